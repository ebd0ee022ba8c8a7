import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { listObjects } from "@/lib/ops/bucket";
import { getGcRun, pendingPurge, requestGc, type GcRun } from "@/lib/ops/gc";
import { closeMlflowDb, mlflowDb } from "@/lib/ops/mlflow-db";
import { db } from "@/lib/db/client";
import { GC_WORKER } from "../../infra/local/gc.ts";
import { ensureMlflowVenv } from "../../infra/local/tools.ts";
import { FLOOD, MLFLOW_URL, must, send, TOKENS, tracking } from "./conformance/hub.ts";

// The garbage collector of the stack scripts/test starts (infra/mlflow/gc_worker.py):
// asked through lib/ops/gc.ts as the admin page asks, it runs `mlflow gc` for real.

const DAY = 86_400_000;
const api = (rest: string) => `${tracking(FLOOD.path)}/api/2.0/mlflow/${rest}`;
const asAlice = (rest: string, body: unknown) => must({ method: "POST", path: api(rest), token: TOKENS.alice, body });

function mlflowDbUrl(): string {
  const url = process.env.MLFLOW_DATABASE_URL;
  if (!url) throw new Error("MLFLOW_DATABASE_URL is not set: run through scripts/test, or export a stack's env (set -a; . .local/<state>/env; set +a)");
  return url;
}

/** Back-dates a deletion in MLflow's database, as if it had happened `days` ago. */
async function deletedDaysAgo(days: number, where: { runId?: string; experimentId?: string }) {
  const client = new pg.Client({ connectionString: mlflowDbUrl() });
  await client.connect();
  try {
    const at = Date.now() - days * DAY;
    if (where.runId) await client.query("update runs set deleted_time = $1 where run_uuid = $2", [at, where.runId]);
    if (where.experimentId) {
      await client.query("update experiments set last_update_time = $1 where experiment_id = $2", [at, Number(where.experimentId)]);
      await client.query("update runs set deleted_time = $1 where experiment_id = $2", [at, Number(where.experimentId)]);
    }
  } finally {
    await client.end();
  }
}

/** A run with one artifact in a fresh experiment of the flood project; returns its ids and the artifact's object key. */
async function runWithArtifact(label: string, experimentId?: string) {
  const expId = experimentId ?? (await asAlice("experiments/create", { name: `gc-${label}-${Date.now()}` })).experiment_id;
  const run = await asAlice("runs/create", { experiment_id: expId });
  const runId: string = run.run.info.run_id;
  const root = (run.run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
  await must({ method: "PUT", path: `${tracking(FLOOD.path)}/api/2.0/mlflow-artifacts/artifacts/${root}/model.bin`, token: TOKENS.alice, body: `weights of ${label}` });
  return { experimentId: expId as string, runId, objectKey: `${root}/model.bin` };
}

async function finished(run: GcRun, timeoutMs = 60_000): Promise<GcRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = (await getGcRun(run.id))!;
    if (now.status === "succeeded" || now.status === "failed") return now;
    if (Date.now() > deadline) throw new Error(`GC run ${run.id} still ${now.status} after ${timeoutMs / 1000} s: is the mlflow-gc worker running?`);
    await sleep(500);
  }
}

async function runInMlflow(runId: string) {
  const r = await send({ target: MLFLOW_URL, path: `/api/2.0/mlflow/runs/get?run_id=${runId}`, headers: { "X-MLFLOW-WORKSPACE": FLOOD.workspace } });
  return r.status === 200 ? (r.json.run.info.lifecycle_stage as string) : r.json?.error_code;
}

const objectExists = async (key: string) => (await listObjects(key)).some((o) => o.name === key);

/** A second worker beside the stack's, with its own schedule; its output and exit code. */
async function worker(env: Record<string, string>) {
  const python = path.join(await ensureMlflowVenv(), "bin", "python");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gc-worker-"));
  const full: Record<string, string | undefined> = {
    PATH: `${path.dirname(python)}:${process.env.PATH}`,
    DATABASE_URL: process.env.DATABASE_URL,
    MLFLOW_DATABASE_URL: mlflowDbUrl(),
    MLFLOW_TRACKING_URI: process.env.MLFLOW_URL,
    MLFLOW_GC_HEARTBEAT_FILE: path.join(dir, "alive"),
    MLFLOW_GC_POLL_SECONDS: "1",
    ...env,
  };
  const child = spawn(python, [GC_WORKER], { env: full as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { output: () => output, exited, stop: () => (child.kill("SIGTERM"), exited) };
}

afterAll(async () => {
  await closeMlflowDb();
  await db().$disconnect();
});

describe("garbage collection of deleted runs and experiments", () => {
  it("purges a run deleted longer ago than the threshold with its artifacts, and keeps a newer deleted one", async () => {
    const old = await runWithArtifact("old");
    const recent = await runWithArtifact("recent", old.experimentId);
    for (const r of [old, recent]) await asAlice("runs/delete", { run_id: r.runId });
    await deletedDaysAgo(31, { runId: old.runId });
    await deletedDaysAgo(29, { runId: recent.runId });
    expect(await objectExists(old.objectKey)).toBe(true);

    const waiting = (await pendingPurge()).find((p) => p.workspace === FLOOD.workspace);
    expect(waiting).toMatchObject({ projectId: FLOOD.id });
    expect(waiting!.deletedRuns).toBeGreaterThanOrEqual(2);
    expect(waiting!.dueRuns).toBeGreaterThanOrEqual(1);

    const done = await finished(await requestGc("manual", "30d"));
    expect(done).toMatchObject({ status: "succeeded", trigger: "manual", olderThan: "30d", error: null });
    expect(done.removed[FLOOD.workspace].runs).toContain(old.runId);
    expect(done.removed[FLOOD.workspace].runs).not.toContain(recent.runId);
    expect(done.removedRuns).toBeGreaterThanOrEqual(1);

    expect(await runInMlflow(old.runId)).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(await objectExists(old.objectKey)).toBe(false);
    expect(await runInMlflow(recent.runId)).toBe("deleted");
    expect(await objectExists(recent.objectKey)).toBe(true);
    const after = (await pendingPurge()).find((p) => p.workspace === FLOOD.workspace)!;
    expect(after.deletedRuns).toBe(waiting!.deletedRuns - done.removed[FLOOD.workspace].runs.length);
  });

  it("purges an experiment deleted longer ago than the threshold together with its runs and their artifacts", async () => {
    const inside = await runWithArtifact("experiment");
    await asAlice("experiments/delete", { experiment_id: inside.experimentId });
    await deletedDaysAgo(40, { experimentId: inside.experimentId });

    const done = await finished(await requestGc("manual", "30d"));
    expect(done.status).toBe("succeeded");
    expect(done.removed[FLOOD.workspace]).toMatchObject({ experiments: expect.arrayContaining([inside.experimentId]), runs: expect.arrayContaining([inside.runId]) });
    expect(done.removedExperiments).toBeGreaterThanOrEqual(1);
    const gone = await send({ target: MLFLOW_URL, path: `/api/2.0/mlflow/experiments/get?experiment_id=${inside.experimentId}`, headers: { "X-MLFLOW-WORKSPACE": FLOOD.workspace } });
    expect(gone.json.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(await objectExists(inside.objectKey)).toBe(false);
  });

  it("records a run that mlflow gc refuses as failed, with mlflow's reason", async () => {
    // requestGc refuses a bad age itself; a row written by anything else still gets an honest outcome.
    const row = await db().gcRun.create({ data: { trigger: "manual", olderThan: "thirty days" } });
    const done = await finished({ id: row.id } as GcRun);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("Could not parse any time information from 'thirty days'");
    expect(done.finishedAt).not.toBeNull();
  });

  it("queues and runs a collection by itself when MLFLOW_GC_SCHEDULE says so", async () => {
    const since = new Date();
    const w = await worker({ MLFLOW_GC_SCHEDULE: "* * * * *", MLFLOW_GC_OLDER_THAN: "45d" });
    try {
      // Every minute: the next whole minute comes within 60 s, the run takes a few seconds more.
      const deadline = Date.now() + 150_000;
      let scheduled;
      while (!scheduled && Date.now() < deadline) {
        scheduled = await db().gcRun.findFirst({ where: { trigger: "schedule", requestedAt: { gte: since }, status: { in: ["succeeded", "failed"] } } });
        if (!scheduled) await sleep(1_000);
      }
      expect(scheduled, w.output()).toMatchObject({ trigger: "schedule", olderThan: "45d", status: "succeeded" });
    } finally {
      await w.stop();
    }
  }, 200_000);

  it("refuses to start on a schedule that is not five cron fields, naming the setting", async () => {
    const w = await worker({ MLFLOW_GC_SCHEDULE: "0 3 * * 8" });
    expect(await w.exited).not.toBe(0);
    expect(w.output()).toContain("MLFLOW_GC_SCHEDULE '0 3 * * 8'");
  });

  it("reads MLflow's database through a connection that cannot write to it", async () => {
    await expect(mlflowDb().query("update experiments set name = name where false")).rejects.toThrow("read-only transaction");
  });

  it("refuses to queue a run with an age mlflow gc would not understand", async () => {
    await expect(requestGc("manual", "30 days")).rejects.toThrow(/not a duration/);
  });
});
