import os from "node:os";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Everything a running stack writes: data, logs, secrets, pids. Git-ignored. */
export function stateDir(override?: string): string {
  return path.resolve(REPO_ROOT, override ?? process.env.LOCAL_STATE_DIR ?? ".local");
}

/** Built tools shared by every checkout on this machine (MinIO binary, MLflow virtualenv). */
export function cacheDir(): string {
  return process.env.MLFLOW_HUB_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "mlflow-hub");
}
