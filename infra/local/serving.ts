import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./paths.ts";
import { httpOk, LaunchError, spawnService, waitUntilHealthy, type Service } from "./proc.ts";
import { ensureServingVenv } from "./tools.ts";

export const SUPERVISOR = path.join(REPO_ROOT, "infra", "serving", "supervisor.py");

/**
 * The serving supervisor's environment, here and in the compose file (a test compares the
 * names): where it listens, the secret the hub calls it with, where it reaches the hub's gateway
 * to download models, and its per-endpoint limits. Nothing else of the hub's: no database, S3 or
 * GitLab credential.
 */
/** The first uid a stack's endpoints run as: stacks side by side (ports shifted) get uids of their own. */
export const servingUidBase = (portOffset: number) => String(61000 + portOffset);

export function servingEnv(o: { port: number; token: string; hubUrl: string; dataDir: string; uidBase: string }): Record<string, string> {
  return {
    SERVING_HOST: "127.0.0.1",
    SERVING_PORT: String(o.port),
    SERVING_TOKEN: o.token,
    SERVING_HUB_URL: o.hubUrl,
    SERVING_DATA_DIR: o.dataDir,
    SERVING_UID_BASE: o.uidBase,
    SERVING_MEMORY_MB: process.env.SERVING_MEMORY_MB ?? "1024",
    SERVING_CPUS: process.env.SERVING_CPUS ?? "1",
    SERVING_NETWORK_ISOLATION: "required",
    MLFLOW_DISABLE_TELEMETRY: "true",
    DO_NOT_TRACK: "true",
  };
}

/** Runs infra/serving/supervisor.py in the serving virtualenv; ready once its /health answers. It must run as root (it drops each model to a uid of its own). */
export async function startServing(opts: { logDir: string; env: Record<string, string> }): Promise<Service> {
  if (process.getuid?.() !== 0) throw new LaunchError("the serving supervisor runs each model under a uid of its own, so the launcher must run as root to start it (without root the stack starts without it; LOCAL_SERVING=off skips it)");
  const venv = await ensureServingVenv();
  fs.mkdirSync(opts.env.SERVING_DATA_DIR, { recursive: true });
  const service = spawnService({
    name: "serving",
    command: path.join(venv, "bin", "python"),
    args: [SUPERVISOR],
    env: { PATH: `${path.join(venv, "bin")}:/usr/bin:/bin`, HOME: opts.env.SERVING_DATA_DIR, SERVING_PYTHON: path.join(venv, "bin", "python"), ...opts.env },
    logDir: opts.logDir,
  });
  await waitUntilHealthy(service, () => httpOk(`http://127.0.0.1:${opts.env.SERVING_PORT}/health`), 30_000);
  return service;
}
