// What an administrator does to a running appliance, done for real: Postgres
// restarted under load, and the README's backup and restore across `down -v`.
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mlflow, plant, snapshot } from "../shared/project-data.ts";
import { compose, composeOk, containers, eventually, hub, HUB_URL, REPO_ROOT, run } from "./appliance.ts";

const PROJECTS = ["ml-team/flood-detection", "ml-team/vision/segmentation"];
const BACKUPS = path.join(REPO_ROOT, "backups");
const made: string[] = [];
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

async function waitHealthy(services: string[]) {
  await eventually(async () => {
    const byService = Object.fromEntries(containers().map((c) => [c.Service, c]));
    for (const s of services) if (byService[s]?.Health !== "healthy") throw new Error(`${s} is ${byService[s]?.State}/${byService[s]?.Health}`);
  }, 300_000, 2000);
}

describe("Postgres restarted while the SDK writes", () => {
  it("answers MLflow-shaped errors while it is down, recovers without a restart of the hub, and loses no acknowledged write", async () => {
    const project = PROJECTS[0];
    const { experiment_id } = await mlflow(hub(), project, "POST", "experiments/create", { name: `restart-${Date.now()}` });
    const { run: created } = await mlflow(hub(), project, "POST", "runs/create", { experiment_id });
    const runId: string = created.info.run_id;
    const acknowledged: number[] = [];
    const refusals = new Set<string>();
    let step = 0;
    let stop = false;
    const writer = (async () => {
      while (!stop) {
        const s = step++;
        const res = await fetch(new URL(`/mlflow/${project}/tracking/api/2.0/mlflow/runs/log-metric`, HUB_URL), {
          method: "POST",
          headers: { authorization: `Bearer ${hub().token}`, "content-type": "application/json" },
          body: JSON.stringify({ run_id: runId, key: "loss", value: s, timestamp: Date.now(), step: s }),
        }).catch(() => undefined);
        if (res?.status === 200) acknowledged.push(s);
        else if (res) refusals.add(`${res.status} ${(await res.json().catch(() => ({ error_code: "not JSON" }))).error_code}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await eventually(async () => expect(acknowledged.length).toBeGreaterThan(5));
    const restartedAt = Date.now();
    composeOk(["restart", "postgres"]);
    const before = acknowledged.length;
    await eventually(async () => expect(acknowledged.length).toBeGreaterThan(before + 10), 180_000);
    stop = true;
    await writer;
    console.log(`[appliance] writes acknowledged again ${Math.round((Date.now() - restartedAt) / 1000)} s after 'restart postgres'; refusals meanwhile: ${[...refusals].join(", ") || "none"}`);
    for (const r of refusals) expect(r, "every refusal is an MLflow error, not a hang or HTML").toMatch(/^(5\d\d) [A-Z_]+$/);
    const { metrics } = await mlflow(hub(), project, "GET", `metrics/get-history?run_id=${runId}&metric_key=loss&max_results=25000`);
    const stored = new Set((metrics as { step: number }[]).map((m) => Number(m.step)));
    expect(acknowledged.filter((s) => !stored.has(s))).toEqual([]);
  });
});

describe("backup and restore across docker compose down -v", () => {
  it("brings back every run, metric, param, tag, model version and artifact byte, as the README's recipe does it", async () => {
    const label = `appliance-${Date.now()}`;
    for (const p of PROJECTS) await plant(hub(), p, `${label}-${p.split("/").at(-1)}`);
    const before = await snapshot(hub(), PROJECTS);

    if (!fs.existsSync(BACKUPS)) {
      fs.mkdirSync(BACKUPS);
      made.push(BACKUPS);
    }
    // The README: ./backups must be writable by the ops container's user.
    fs.chownSync(BACKUPS, 1000, 1000);
    const backedUp = composeOk(["--profile", "ops", "run", "--rm", "-T", "ops", "backup", "/backups"]);
    const inside = /backup written to (\S+) in/.exec(backedUp)?.[1];
    expect(inside, backedUp).toMatch(/^\/backups\/mlflow-hub-backup-/);
    const dir = path.join(BACKUPS, path.basename(inside!));
    made.push(dir);
    expect(fs.readdirSync(dir).length, `${dir} on the host`).toBeGreaterThan(0);

    composeOk(["--profile", "ops", "down", "-v"]);
    const left = run("docker", ["volume", "ls", "-q", "--filter", `label=com.docker.compose.project=${process.env.APPLIANCE_PROJECT}`]).stdout.trim();
    expect(left).toBe("");

    // On a new server: the data services first, then the restore, then everything.
    composeOk(["up", "-d", "--pull", "never", "postgres", "minio-bucket"]);
    await waitHealthy(["postgres", "minio"]);
    await eventually(async () => {
      const job = containers().find((c) => c.Service === "minio-bucket");
      expect([job?.State, job?.ExitCode]).toEqual(["exited", 0]);
    });
    const restored = compose(["--profile", "ops", "run", "--rm", "-T", "ops", "restore", inside!]);
    expect(restored.status, restored.stderr + restored.stdout).toBe(0);
    composeOk(["up", "-d", "--wait", "--wait-timeout", "300", "--pull", "never"]);
    // Every container is new: the kept-alive connections this process had to Traefik are gone.
    await eventually(() => mlflow(hub(), PROJECTS[0], "GET", "experiments/search?max_results=1"));

    expect(await snapshot(hub(), PROJECTS)).toEqual(before);
    // Backup, down -v, up and restore of what the suites before it left (1 GiB artifacts among them), each
    // read whole twice, with an `up --wait` of up to 300 s inside: 224 s in one run, over 300 s in another.
  }, 900_000);
});
