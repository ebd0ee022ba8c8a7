// The appliance as `docker compose --profile demo up --wait` started it, seen
// from the host: only through Traefik, over HTTPS, on the addresses it publishes.
import { describe, expect, it } from "vitest";
import { composeOk, containers, DOMAIN, HUB_URL, PORTS, PROJECT, run } from "./appliance.ts";

const LONG_RUNNING = ["gitlab-dev", "hub", "minio", "mlflow", "mlflow-gc", "postgres", "serving", "traefik"];
const ONE_SHOT = ["migrate", "minio-bucket"];
const NAMED_VOLUMES = ["minio-data", "postgres-data", "serving-data", "traefik-acme"].map((v) => `${PROJECT}_${v}`);
const FLOOD = "/mlflow/ml-team/flood-detection/tracking";
const alice = { authorization: "Bearer glpat-alice-demo" };

describe("the appliance as compose started it", () => {
  it("runs every long-running service healthy, after both one-shot jobs exited 0", () => {
    const byService = Object.fromEntries(containers().map((c) => [c.Service, c]));
    expect(Object.keys(byService).sort()).toEqual([...LONG_RUNNING, ...ONE_SHOT].sort());
    for (const name of LONG_RUNNING) expect([name, byService[name].State, byService[name].Health]).toEqual([name, "running", "healthy"]);
    for (const name of ONE_SHOT) expect([name, byService[name].State, byService[name].ExitCode]).toEqual([name, "exited", 0]);
  });

  it("publishes only Traefik's HTTP and HTTPS ports and the demo's GitLab stand-in, on 127.0.0.1", () => {
    const published = containers().flatMap((c) => c.Publishers.filter((p) => p.PublishedPort).map((p) => `${c.Service} ${p.URL}:${p.PublishedPort}->${p.TargetPort}`));
    expect(published.sort()).toEqual([`gitlab-dev 127.0.0.1:${PORTS.gitlab}->${PORTS.gitlab}`, `traefik 127.0.0.1:${PORTS.http}->80`, `traefik 127.0.0.1:${PORTS.https}->443`].sort());
  });

  it("keeps its data in the named volumes only: no anonymous volume on any container, the bucket job's included", () => {
    const ids = composeOk(["ps", "-a", "-q"]).trim().split("\n");
    const mounts = run("docker", ["inspect", "--format", "{{json .Mounts}}", ...ids]).stdout.trim().split("\n").map((l) => JSON.parse(l) as { Type: string; Name?: string }[]);
    const volumes = mounts.flat().filter((m) => m.Type === "volume").map((m) => m.Name);
    expect(volumes.length).toBeGreaterThan(0);
    for (const name of volumes) expect(NAMED_VOLUMES, `volume ${name}`).toContain(name);
  });

  it("answers /api/health and /api/ready through Traefik over HTTPS, with the suite's own certificate verified", async () => {
    for (const p of ["/api/health", "/api/ready"]) {
      const res = await fetch(new URL(p, HUB_URL));
      expect([p, res.status]).toEqual([p, 200]);
    }
  });

  it("redirects plain HTTP to HTTPS on the port it publishes", async () => {
    const res = await fetch(`http://${DOMAIN}:${PORTS.http}/api/health?x=1`, { redirect: "manual" });
    expect(res.status).toBeGreaterThanOrEqual(301);
    expect(res.status).toBeLessThanOrEqual(308);
    expect(res.headers.get("location")).toBe(`https://${DOMAIN}:${PORTS.https}/api/health?x=1`);
  });

  it("refuses /metrics from outside the compose network", async () => {
    expect((await fetch(new URL("/metrics", HUB_URL))).status).toBe(403);
  });

  it("answers /metrics on the compose network only to the METRICS_TOKEN gen-env.sh wrote", () => {
    const token = composeOk(["exec", "-T", "hub", "printenv", "METRICS_TOKEN"]).trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const scrape = (auth: string) =>
      composeOk(["exec", "-T", "gitlab-dev", "node", "-e", `fetch("http://hub:3000/metrics", { headers: ${JSON.stringify(auth ? { authorization: auth } : {})} }).then((r) => console.log(r.status))`]).trim();
    expect([scrape(""), scrape("Bearer wrong"), scrape(`Bearer ${token}`)]).toEqual(["401", "401", "200"]);
  });

  it("sends HSTS with every HTTPS answer, and the hub's pages carry their nonce CSP", async () => {
    for (const p of ["/api/health", "/signin", `${FLOOD}/`]) {
      const res = await fetch(new URL(p, HUB_URL), { redirect: "manual" });
      expect([p, res.headers.get("strict-transport-security")]).toEqual([p, "max-age=31536000"]);
    }
    const page = await fetch(new URL("/signin", HUB_URL));
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'.*frame-ancestors 'none'/);
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("keeps MLflow, MinIO and Postgres out of reach of the edge network: the stand-in there cannot even resolve them", () => {
    for (const name of ["mlflow", "minio", "postgres"]) {
      const r = composeOk(["exec", "-T", "gitlab-dev", "node", "-e", `require("node:dns").lookup(${JSON.stringify(name)}, (e) => console.log(e ? e.code : "resolved"))`]);
      // Docker's resolver does not know the name on this network and asks upstream, which the
      // suite's egress block leaves unanswered (EAI_AGAIN) or a resolver answers NXDOMAIN (ENOTFOUND).
      expect([name, r.trim()]).toEqual([name, expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/)]);
    }
  });

  it("keeps MLflow, Postgres, MinIO and GitLab out of the serving runtime's reach, by name and by address, while it reaches the hub", () => {
    // What the runtime's container reaches, as root and outside any endpoint's namespaces: its
    // network holds the hub alone. By address too: each service's address on its own network.
    const address = (service: string) =>
      run("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", composeOk(["ps", "-q", service]).trim()]).stdout.trim().split(" ")[0];
    const targets = { mlflow: 5000, postgres: 5432, minio: 9000, "gitlab-dev": PORTS.gitlab, traefik: 443 };
    const script = `
import json, socket, sys
out = {}
for host, port in json.loads(sys.argv[1]):
    try:
        socket.create_connection((host, port), timeout=3).close()
        out[f"{host}:{port}"] = "connected"
    except OSError as e:
        out[f"{host}:{port}"] = type(e).__name__
print(json.dumps(out))`;
    const pairs = [...Object.entries(targets), ...Object.entries(targets).map(([name, port]) => [address(name), port]), ["hub", 3000]];
    const got = JSON.parse(composeOk(["exec", "-T", "serving", "python", "-c", script, JSON.stringify(pairs)]));
    for (const [host, port] of pairs) {
      const key = `${host}:${port}`;
      if (host === "hub") expect([key, got[key]]).toEqual([key, "connected"]);
      // A name: not resolved (gaierror); an address: no route from this network (timeout or unreachable).
      else expect([key, got[key]]).toEqual([key, expect.stringMatching(/^(gaierror|TimeoutError|timeout|OSError|ConnectionRefusedError)$/)]);
    }
    for (const name of Object.keys(targets)) expect(got[`${name}:${targets[name as keyof typeof targets]}`], name).toBe("gaierror");
  });

  it("runs the serving runtime as compose says: root with SYS_ADMIN alone added, its endpoints isolated, no published port", () => {
    const id = composeOk(["ps", "-q", "serving"]).trim();
    const config = JSON.parse(run("docker", ["inspect", "-f", "{{json .HostConfig}}", id]).stdout) as { CapAdd: string[] | null; Privileged: boolean; SecurityOpt: string[] | null };
    expect([config.CapAdd?.map((c) => c.replace(/^CAP_/, "")), config.Privileged, config.SecurityOpt]).toEqual([["SYS_ADMIN"], false, null]);
    // What the supervisor runs each endpoint under works here: its namespaces, a uid of its own, prlimit.
    const isolated = composeOk(["exec", "-T", "serving", "unshare", "--net", "--pid", "--fork", "--mount", "--mount-proc", "setpriv", "--reuid=61999", "--regid=61999", "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "prlimit", "--as=1073741824", "sh", "-c", "id -u; ls /proc | grep -c '^[0-9]'; grep -c : /proc/net/dev"]);
    // Its uid, the few processes of its own pid namespace, and one network interface: its loopback.
    expect(isolated.trim().split("\n")).toEqual(["61999", expect.stringMatching(/^[1-3]$/), "1"]);
  });

  it("serves a project's MLflow REST API with a demo token and hides a private project from an outsider", async () => {
    const mine = await fetch(new URL(`${FLOOD}/api/2.0/mlflow/experiments/search?max_results=5`, HUB_URL), { headers: alice });
    expect(mine.status).toBe(200);
    const outsider = await fetch(new URL(`${FLOOD}/api/2.0/mlflow/experiments/search?max_results=5`, HUB_URL), { headers: { authorization: "Bearer glpat-oscar-demo" } });
    expect(outsider.status).toBe(404);
    expect((await outsider.json()).error_code).toBe("RESOURCE_DOES_NOT_EXIST");
  });

  it("tells the client, through a project URI, to move artifacts through the gateway: no URL of the internal store leaves", async () => {
    const info = await fetch(new URL(`${FLOOD}/ajax-api/3.0/mlflow/server-info`, HUB_URL), { headers: alice });
    expect(info.status).toBe(200);
    const text = await info.text();
    expect(text).not.toMatch(/minio|:9000/);
    const mpu = await fetch(new URL(`${FLOOD}/api/2.0/mlflow-artifacts/mpu/create/workspaces/gitlab-101/1/abc/artifacts/big.bin`, HUB_URL), {
      method: "POST",
      headers: { ...alice, "content-type": "application/json" },
      body: JSON.stringify({ path: "big.bin", num_parts: 2 }),
    });
    const refusal = await mpu.text();
    expect(mpu.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(refusal).error_code).toEqual(expect.any(String));
    expect(refusal).not.toMatch(/minio|:9000|X-Amz/i);
  });
});
