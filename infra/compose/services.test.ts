import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseConfig } from "../../lib/config.ts";
import { readConfig as readStandInConfig } from "../gitlab-dev/config.ts";
import { filledExampleEnv, interpolateTree, loadCompose, networksOf, readRepoFile, referencedVariables, REPO_ROOT } from "./compose-file.ts";
import { POSTGRES_MAJOR } from "../local/versions.ts";
import { execForm, keyword, readStages, stageNamed, words } from "./dockerfile.ts";

const compose = loadCompose();
const env = filledExampleEnv({ ACME_EMAIL: "" });
const { services } = interpolateTree(compose, env);
const hubPort = keyword(stageNamed(readStages(readRepoFile("Dockerfile")), "hub"), "ENV")
  .flatMap(words)
  .find((w) => w.startsWith("PORT="))!
  .slice("PORT=".length);

/** The value following a flag in an argument list. */
const option = (args: string[], name: string) => args[args.indexOf(name) + 1];

/**
 * infra/traefik/dynamic.yml as Traefik renders it (a Go template over its environment).
 * Only the forms the file uses are rendered; any other template left in fails the test.
 */
function traefikRouting(traefikEnv: Record<string, string>) {
  const text = readRepoFile("infra/traefik/dynamic.yml")
    .replace(/\{\{- if env "(\w+)" \}\}(.*?)\{\{- end \}\}/gs, (_, name: string, then: string) => (traefikEnv[name] ? then : ""))
    .replace(/\{\{ if env "(\w+)" \}\}(.*?)\{\{ else \}\}(.*?)\{\{ end \}\}/g, (_, name: string, then: string, otherwise: string) => (traefikEnv[name] ? then : otherwise))
    .replace(/\{\{ env "(\w+)" \}\}/g, (_, name: string) => traefikEnv[name] ?? "");
  expect(text).not.toContain("{{");
  return YAML.parse(text) as { http: { routers: Record<string, { rule: string; entryPoints: string[]; service: string; tls: { certResolver?: string } }>; services: Record<string, { loadBalancer: { servers: { url: string }[] } }>; middlewares?: unknown } };
}

describe("Traefik", () => {
  const args = services.traefik.command!;

  it("redirects HTTP to HTTPS, on the port HTTPS is published on", () => {
    const onOtherPorts = interpolateTree(compose, filledExampleEnv({ HTTPS_PORT: "18443" })).services.traefik.command!;
    expect(onOtherPorts).toContain("--entryPoints.web.http.redirections.entryPoint.to=:18443");
    expect(args).toEqual(expect.arrayContaining(["--entryPoints.web.address=:80", "--entryPoints.web.http.redirections.entryPoint.to=:443", "--entryPoints.web.http.redirections.entryPoint.scheme=https", "--entryPoints.websecure.address=:443"]));
  });

  it("routes HUB_DOMAIN over HTTPS to the port the hub listens on", () => {
    const { http } = traefikRouting(services.traefik.environment!);
    expect(http.routers.hub).toMatchObject({ rule: `Host(\`${env.HUB_DOMAIN}\`)`, entryPoints: ["websecure"], service: "hub" });
    expect(http.services.hub.loadBalancer.servers).toEqual([{ url: `http://hub:${hubPort}` }]);
  });

  it("keeps /metrics off the internet: that path from outside is refused, Prometheus scrapes the hub directly", () => {
    const { http } = traefikRouting(services.traefik.environment!);
    const metrics = http.routers["hub-metrics"] as { rule: string; middlewares?: string[]; entryPoints: string[] };
    expect(metrics.rule).toBe(`Host(\`${env.HUB_DOMAIN}\`) && Path(\`/metrics\`)`);
    expect(metrics.entryPoints).toEqual(http.routers.hub.entryPoints);
    // Traefik ranks routers by rule length: the /metrics rule must outrank the catch-all host rule.
    expect(metrics.rule.length).toBeGreaterThan(http.routers.hub.rule.length);
    const middlewares = http.middlewares as Record<string, { ipAllowList?: { sourceRange: string[] } }>;
    for (const name of metrics.middlewares ?? []) expect(middlewares[name].ipAllowList?.sourceRange).toEqual(["127.0.0.1/32"]);
    expect(metrics.middlewares?.length).toBeGreaterThan(0);
  });

  it("takes its certificate from Let's Encrypt when ACME_EMAIL is set, and is self-signed otherwise", () => {
    expect(traefikRouting({ HUB_DOMAIN: "h.example", ACME_EMAIL: "" }).http.routers.hub.tls).toEqual({});
    const withAcme = interpolateTree(compose, filledExampleEnv({ ACME_EMAIL: "ops@example.org" })).services.traefik;
    expect(traefikRouting(withAcme.environment!).http.routers.hub.tls).toEqual({ certResolver: "letsencrypt" });
    expect(withAcme.command).toContain("--certificatesResolvers.letsencrypt.acme.email=ops@example.org");
    expect(withAcme.volumes).toContain("traefik-acme:/letsencrypt");
    expect(withAcme.command).toContain("--certificatesResolvers.letsencrypt.acme.storage=/letsencrypt/acme.json");
  });

  it("gets every variable its routing file reads from compose", () => {
    const read = [...readRepoFile("infra/traefik/dynamic.yml").matchAll(/env "(\w+)"/g)].map((m) => m[1]);
    expect(Object.keys(compose.services.traefik.environment!)).toEqual(expect.arrayContaining(read));
    expect(compose.services.traefik.volumes).toContain("./infra/traefik/dynamic.yml:/etc/traefik/dynamic/hub.yml:ro");
    expect(args).toContain("--providers.file.directory=/etc/traefik/dynamic");
  });

  it("publishes MinIO under S3_PUBLIC_DOMAIN only when it is set, over HTTPS, with the Host the client signed", () => {
    expect(traefikRouting({ HUB_DOMAIN: "h.example", ACME_EMAIL: "" }).http.routers.minio).toBeUndefined();
    const { http } = traefikRouting({ HUB_DOMAIN: "h.example", ACME_EMAIL: "", S3_PUBLIC_DOMAIN: "s3.h.example" });
    expect(http.routers.minio).toMatchObject({ rule: "Host(`s3.h.example`)", entryPoints: ["websecure"], service: "minio" });
    expect(http.services.minio.loadBalancer).toEqual({ servers: [{ url: "http://minio:9000" }] });
    expect(services.hub.environment!.S3_PUBLIC_URL).toBeDefined();
  });

  it("lets multi-GB uploads through: no body-limiting middleware, no read timeout on HTTPS", () => {
    const routing = traefikRouting(services.traefik.environment!);
    // The hub's router (every upload's path) has no middleware; the others only add headers or check /metrics' callers.
    expect((routing.http.routers.hub as { middlewares?: string[] }).middlewares).toBeUndefined();
    for (const m of Object.values((routing.http.middlewares ?? {}) as Record<string, object>)) expect(["ipAllowList", "headers"]).toEqual(expect.arrayContaining(Object.keys(m)));
    expect(args).toContain("--entryPoints.websecure.transport.respondingTimeouts.readTimeout=0s");
  });

  it("sends HSTS for a year on every HTTPS answer, and not for HUB_DOMAIN's subdomains, which it does not own", () => {
    expect(args).toContain("--entryPoints.websecure.http.middlewares=hsts@file");
    expect(args.filter((a) => a.startsWith("--entryPoints.web.http.middlewares"))).toEqual([]);
    const middlewares = traefikRouting(services.traefik.environment!).http.middlewares as Record<string, { headers?: Record<string, unknown> }>;
    expect(middlewares.hsts.headers).toEqual({ stsSeconds: 31536000, stsIncludeSubdomains: false, stsPreload: false });
  });

  it("answers its healthcheck on the ping endpoint it enables", () => {
    expect(args).toContain("--ping=true");
    expect(services.traefik.healthcheck?.test).toEqual(["CMD", "traefik", "healthcheck", "--ping"]);
  });
});

describe("MLflow", () => {
  const args = services.mlflow.command!;

  it("runs with workspaces on and serves artifacts itself into the bucket the hub uses", () => {
    expect(args).toContain("--enable-workspaces");
    expect(args).toContain("--serve-artifacts");
    expect(option(args, "--artifacts-destination")).toBe(`s3://${services.hub.environment!.S3_BUCKET}`);
  });

  it("is healthy only once its workspaces API answers", () => {
    const [, , , probe] = services.mlflow.healthcheck!.test;
    expect(probe).toContain(`http://127.0.0.1:${option(args, "--port")}/api/3.0/mlflow/workspaces`);
  });

  it("accepts the Host the hub and its healthcheck send, and the origin browsers send", () => {
    const allowed = option(args, "--allowed-hosts").split(",");
    expect(allowed).toContain(new URL(services.hub.environment!.MLFLOW_URL).host);
    expect(allowed).toContain(`127.0.0.1:${option(args, "--port")}`);
    expect(option(args, "--cors-allowed-origins").split(",")).toContain(new URL(services.hub.environment!.AUTH_URL).origin);
  });

  it("reads the bucket through the endpoint and keys the hub uses", () => {
    const hub = services.hub.environment!;
    expect(services.mlflow.environment).toMatchObject({ MLFLOW_S3_ENDPOINT_URL: hub.S3_ENDPOINT, AWS_ACCESS_KEY_ID: hub.S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: hub.S3_SECRET_KEY, AWS_DEFAULT_REGION: hub.S3_REGION });
  });
});

describe("the garbage collector (mlflow-gc)", () => {
  const gc = services["mlflow-gc"];
  const hub = services.hub.environment!;

  it("runs gc_worker.py from the MLflow server's own image", () => {
    expect(gc.build).toEqual(services.mlflow.build);
    const copied = readRepoFile("infra/mlflow/Dockerfile").match(/^COPY gc_worker\.py (\S+)$/m)?.[1];
    expect(gc.entrypoint).toEqual(["python", copied]);
    expect(gc.healthcheck?.test).toEqual(["CMD", "python", copied, "--check"]);
  });

  it("starts after the hub's migrations (it writes gc_runs) and a healthy MLflow (its artifact proxy deletes the artifacts)", () => {
    expect(gc.depends_on).toEqual({ migrate: { condition: "service_completed_successfully" }, mlflow: { condition: "service_healthy" } });
    expect(gc.environment!.MLFLOW_TRACKING_URI).toBe(hub.MLFLOW_URL);
  });

  it("reaches the same databases as the hub, MLflow's as MLflow's own role", () => {
    expect(gc.environment!.DATABASE_URL).toBe(hub.DATABASE_URL);
    expect(gc.environment!.MLFLOW_DATABASE_URL).toBe(hub.MLFLOW_DATABASE_URL);
    const backend = new URL(option(services.mlflow.command!, "--backend-store-uri"));
    const reader = new URL(hub.MLFLOW_DATABASE_URL);
    expect([reader.username, reader.password, reader.host, reader.pathname]).toEqual([backend.username, backend.password, backend.host, backend.pathname]);
  });

  it("collects on the schedule and age the hub shows, with the hub's defaults when .env leaves them empty", () => {
    for (const [given, expected] of [
      [{ MLFLOW_GC_SCHEDULE: "", MLFLOW_GC_OLDER_THAN: "" }, ["0 3 * * 0", "30d"]],
      [{ MLFLOW_GC_SCHEDULE: "30 1 * * *", MLFLOW_GC_OLDER_THAN: "7d" }, ["30 1 * * *", "7d"]],
    ] as const) {
      const s = interpolateTree(compose, filledExampleEnv(given)).services;
      const shown = parseConfig(s.hub.environment!);
      expect([s["mlflow-gc"].environment!.MLFLOW_GC_SCHEDULE, s["mlflow-gc"].environment!.MLFLOW_GC_OLDER_THAN]).toEqual(expected);
      expect([shown.MLFLOW_GC_SCHEDULE, shown.MLFLOW_GC_OLDER_THAN]).toEqual(expected);
    }
  });
});

describe("the mlflow-hub CLI (ops)", () => {
  const ops = compose.services.ops;
  const stage = stageNamed(readStages(readRepoFile("Dockerfile")), "ops");
  const copied = keyword(stage, "COPY").map((c) => words(c)[0]);

  it("runs the package's bin, only when asked for (profile ops), with the hub's own configuration", () => {
    const bin = (JSON.parse(readRepoFile("package.json")) as { bin: Record<string, string> }).bin["mlflow-hub"];
    expect(ops.profiles).toEqual(["ops"]);
    expect(ops.build).toEqual({ context: ".", target: "ops" });
    expect(execForm(keyword(stage, "ENTRYPOINT")[0])).toEqual(["node", bin]);
    expect(ops.environment).toEqual(compose.services.hub.environment);
  });

  it("has the sources it runs and the Postgres client tools of the stack's major version", () => {
    expect(copied).toEqual(expect.arrayContaining(["tsconfig.json", "bin", "cli", "lib"]));
    expect(keyword(stage, "RUN").map((r) => words(r).join(" ")).join(" ")).toContain(`postgresql-client-${POSTGRES_MAJOR}`);
  });

  it("has the MLflow server's pins in a virtualenv for migrate-sharinghub, named by MLFLOW_HUB_PYTHON", () => {
    const run = keyword(stage, "RUN").map((r) => words(r).join(" ")).join(" ");
    expect(copied).toContain("infra/mlflow/requirements.txt");
    expect(run).toContain("python3 -m venv /opt/mlflow");
    expect(run).toContain("/opt/mlflow/bin/pip install --no-cache-dir --disable-pip-version-check -r /opt/mlflow-hub/requirements.txt");
    expect(keyword(stage, "ENV").map((e) => words(e).join(" "))).toContain("MLFLOW_HUB_PYTHON=/opt/mlflow/bin/python");
  });

  it("reaches the internal services and GitLab, and writes backups to the host", () => {
    expect(networksOf(ops).sort()).toEqual(["edge", "internal"]);
    expect(Object.keys(ops.depends_on ?? {}).sort()).toEqual(["minio", "postgres"]);
    expect(ops.volumes).toEqual(["./backups:/backups"]);
  });
});

describe("Postgres", () => {
  const script = readRepoFile("infra/postgres/initdb/10-databases.sh");

  it("runs the init script from the image's init directory", () => {
    expect(compose.services.postgres.volumes).toContain("./infra/postgres/initdb:/docker-entrypoint-initdb.d:ro");
    expect(fs.statSync(path.join(REPO_ROOT, "infra/postgres/initdb/10-databases.sh")).mode & 0o111).not.toBe(0);
  });

  it("hands the init script the passwords it reads", () => {
    const read = [...new Set(referencedVariables(script).filter((v) => v.startsWith("POSTGRES_") && v !== "POSTGRES_USER"))];
    expect(read.sort()).toEqual(["POSTGRES_HUB_PASSWORD", "POSTGRES_MLFLOW_PASSWORD"]);
    for (const name of read) expect(compose.services.postgres.environment![name], name).toBe(`\${${name}:?set ${name} in .env (see .env.example)}`);
  });

  it("creates each database owned by the role the hub or MLflow signs in as", () => {
    const owners = Object.fromEntries([...script.matchAll(/^CREATE DATABASE (\w+) OWNER (\w+);$/gm)].map((m) => [m[1], m[2]]));
    const roles = [...script.matchAll(/^CREATE ROLE (\w+) WITH LOGIN PASSWORD :'(\w+)';$/gm)].map((m) => m[1]);
    const hubDb = new URL(services.hub.environment!.DATABASE_URL);
    const mlflowDb = new URL(option(services.mlflow.command!, "--backend-store-uri"));
    for (const url of [hubDb, mlflowDb]) {
      expect(url.hostname).toBe("postgres");
      expect(owners[url.pathname.slice(1)], url.pathname).toBe(url.username);
      expect(roles).toContain(url.username);
    }
  });
});

describe("MinIO", () => {
  it("creates the bucket the hub and MLflow use, as MinIO's root user", () => {
    const job = services["minio-bucket"];
    const hub = services.hub.environment!;
    expect(job.image).toBe(services.minio.image);
    expect(job.command).toEqual(["mb", "--ignore-existing", `appliance/${hub.S3_BUCKET}`]);
    const target = new URL(job.environment!.MC_HOST_appliance);
    expect([target.username, target.password]).toEqual([services.minio.environment!.MINIO_ROOT_USER, services.minio.environment!.MINIO_ROOT_PASSWORD]);
    expect([target.username, target.password]).toEqual([hub.S3_ACCESS_KEY, hub.S3_SECRET_KEY]);
    expect(target.origin).toBe(hub.S3_ENDPOINT);
  });
});

describe("the demo profile's GitLab stand-in", () => {
  const demoEnv = filledExampleEnv({ GITLAB_URL: `http://${env.HUB_DOMAIN}:3001`, GITLAB_CLIENT_ID: "mlflow-hub-demo", GITLAB_SERVICE_TOKEN: "glpat-hub-service" });
  const demo = interpolateTree(compose, demoEnv).services;
  const standIn = demo["gitlab-dev"];

  it("runs as infra/gitlab-dev/README.md says, with the fixture of the demo world", () => {
    expect(standIn.command).toEqual(["node", "--import", "tsx", "infra/gitlab-dev/main.ts"]);
    expect(fs.existsSync(path.join(REPO_ROOT, standIn.environment!.GITLAB_DEV_FIXTURE))).toBe(true);
  });

  it("is the OAuth application and the issuer the hub expects", () => {
    const options = readStandInConfig(standIn.environment!);
    const hub = demo.hub.environment!;
    expect(options.publicUrl).toBe(hub.GITLAB_URL);
    expect(options.application).toEqual({ clientId: hub.GITLAB_CLIENT_ID, clientSecret: hub.GITLAB_CLIENT_SECRET, redirectUris: [`${hub.AUTH_URL}/api/auth/callback/gitlab`] });
  });

  it("answers the hub at the URL browsers use: HUB_DOMAIN names it inside the edge network", () => {
    const url = new URL(demo.hub.environment!.GITLAB_URL);
    const { port } = readStandInConfig(standIn.environment!);
    expect(standIn.ports).toEqual([`${url.port}:${port}`]);
    expect(networksOf(standIn)).toEqual(["edge"]);
    expect(networksOf(demo.traefik)).toContain("edge");
    expect((standIn.networks as Record<string, { aliases: string[] }>).edge.aliases).toEqual([url.hostname]);
  });
});
