import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./paths.ts";
import { spawnService, waitUntilHealthy, type Service } from "./proc.ts";
import { ensureMlflowVenv } from "./tools.ts";

export const GC_WORKER = path.join(REPO_ROOT, "infra", "mlflow", "gc_worker.py");

/**
 * The garbage collector's environment, here and in the compose file (a test
 * compares the names): both databases, the MLflow server whose artifact proxy
 * deletes the artifacts, and the schedule and age the hub shows.
 */
export function gcWorkerEnv(o: { hubDatabaseUrl: string; mlflowDatabaseUrl: string; mlflowUrl: string; schedule: string; olderThan: string }): Record<string, string> {
  return {
    DATABASE_URL: o.hubDatabaseUrl,
    MLFLOW_DATABASE_URL: o.mlflowDatabaseUrl,
    MLFLOW_TRACKING_URI: o.mlflowUrl,
    MLFLOW_GC_SCHEDULE: o.schedule,
    MLFLOW_GC_OLDER_THAN: o.olderThan,
    MLFLOW_DISABLE_TELEMETRY: "true",
    DO_NOT_TRACK: "true",
  };
}

/** Runs infra/mlflow/gc_worker.py with the MLflow server's virtualenv; ready once it has reached both databases. */
export async function startGcWorker(opts: { logDir: string; stateDir: string; env: Record<string, string> }): Promise<Service> {
  const venv = await ensureMlflowVenv();
  const heartbeat = path.join(opts.stateDir, "gc-worker.alive");
  fs.rmSync(heartbeat, { force: true });
  const service = spawnService({
    name: "mlflow-gc",
    command: path.join(venv, "bin", "python"),
    args: [GC_WORKER],
    env: {
      PATH: `${path.join(venv, "bin")}:${process.env.PATH}`,
      HOME: process.env.HOME,
      ...opts.env,
      MLFLOW_GC_HEARTBEAT_FILE: heartbeat,
      // Tests ask for a run and wait for it: a short poll keeps them quick.
      MLFLOW_GC_POLL_SECONDS: process.env.MLFLOW_GC_POLL_SECONDS ?? "1",
    },
    logDir: opts.logDir,
  });
  await waitUntilHealthy(service, async () => fs.existsSync(heartbeat), 30_000);
  return service;
}
