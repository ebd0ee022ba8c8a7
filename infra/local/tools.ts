import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { cacheDir, REPO_ROOT } from "./paths.ts";
import { isAlive, LaunchError, run } from "./proc.ts";
import { MINIO_COMMIT, MINIO_MODULE, MINIO_MODULE_VERSION, MINIO_RELEASE } from "./versions.ts";

// Progress goes to stderr: `tools --print` keeps stdout for its KEY=path lines.
const say = (msg: string) => process.stderr.write(`[local] ${msg}\n`);

/**
 * The MinIO server, built once from the Go module proxy at the pinned release
 * (no binary download is possible here) and cached for every later start.
 */
export async function ensureMinio(): Promise<string> {
  const dir = path.join(cacheDir(), "minio", MINIO_RELEASE);
  const binary = path.join(dir, "minio");
  if (fs.existsSync(binary)) return binary;
  return exclusively(dir, async () => {
    if (!fs.existsSync(binary)) await buildMinio(dir);
    return binary;
  });
}

async function buildMinio(dir: string) {
  say(`building MinIO ${MINIO_RELEASE} with the Go toolchain (once; a few minutes)…`);
  const tmp = `${dir}.partial-${process.pid}`;
  fs.mkdirSync(tmp, { recursive: true });
  const pkg = "github.com/minio/minio/cmd";
  const versionTime = MINIO_RELEASE.replace(/^RELEASE\./, "").replace(/T(\d\d)-(\d\d)-(\d\d)Z$/, "T$1:$2:$3Z");
  const ldflags = [
    `-X ${pkg}.Version=${versionTime}`,
    `-X ${pkg}.ReleaseTag=${MINIO_RELEASE}`,
    `-X ${pkg}.CommitID=${MINIO_COMMIT}`,
    `-X ${pkg}.ShortCommitID=${MINIO_COMMIT.slice(0, 12)}`,
    `-X ${pkg}.CopyrightYear=2025`,
  ].join(" ");
  await run("go", ["install", "-trimpath", `-ldflags=${ldflags}`, `${MINIO_MODULE}@${MINIO_MODULE_VERSION}`], {
    env: { ...process.env, GOBIN: tmp, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
    quiet: true,
  }).catch((e: Error) => {
    throw new LaunchError(`building MinIO failed (is Go installed and the Go module proxy reachable?)\n${e.message}`);
  });
  fs.renameSync(tmp, dir);
}

/**
 * Runs `make` while holding `<target>.lock`: launchers and scripts/setup of several
 * checkouts share the cache, and a second creator would delete the first one's work.
 * The others wait; a lock left by a process that died is taken over.
 */
const LOCK_POLL_MS = 1_000;

export async function exclusively<T>(target: string, make: () => Promise<T>): Promise<T> {
  const lock = `${target}.lock`;
  const owner = path.join(lock, "pid");
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(owner, String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(fs.existsSync(owner) ? fs.readFileSync(owner, "utf8") : 0);
      // No pid a while after the lock was made: its maker died in between.
      const madeAt = fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      const orphaned = pid ? !isAlive(pid) : Date.now() - madeAt > 10_000;
      if (orphaned) fs.rmSync(lock, { recursive: true, force: true });
      else await sleep(LOCK_POLL_MS);
    }
  }
  try {
    return await make();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * A Python virtualenv with exactly a requirements file's pins, cached under a
 * name keyed by that file's content: a pin bump builds a new one.
 */
export async function ensureVenv(name: string, requirements: string, label: string, where: { python?: string; cache?: string } = {}): Promise<string> {
  const hash = createHash("sha256").update(fs.readFileSync(requirements)).digest("hex").slice(0, 12);
  const dir = path.join(where.cache ?? cacheDir(), `${name}-${hash}`);
  const ready = path.join(dir, ".complete");
  if (fs.existsSync(ready)) return dir;
  return exclusively(dir, async () => {
    // Made by the process this one waited for.
    if (fs.existsSync(ready)) return dir;
    await createVenv(dir, requirements, label, where.python);
    fs.writeFileSync(ready, new Date().toISOString());
    return dir;
  });
}

async function createVenv(dir: string, requirements: string, label: string, interpreter?: string) {
  say(`creating the ${label} virtualenv (once; about a minute)…`);
  fs.rmSync(dir, { recursive: true, force: true });
  const python = interpreter ?? process.env.PYTHON ?? "python3";
  await run(python, ["-m", "venv", dir], { quiet: true });
  await run(path.join(dir, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", requirements], { quiet: true }).catch((e: Error) => {
    throw new LaunchError(`installing ${requirements} failed\n${e.message}`);
  });
}

/** The MLflow server's virtualenv (infra/mlflow/requirements.txt). */
export const ensureMlflowVenv = () => ensureVenv("mlflow-venv", path.join(REPO_ROOT, "infra", "mlflow", "requirements.txt"), "MLflow server");

/**
 * The serving runtime's virtualenv (infra/serving/requirements.txt). Each endpoint runs its Python
 * under an unprivileged uid, so it is made with Debian's python3 (a pyenv one under /root is out of
 * such a uid's reach) in a cache every uid can traverse.
 */
export const ensureServingVenv = () =>
  ensureVenv("serving-venv", path.join(REPO_ROOT, "infra", "serving", "requirements.txt"), "serving runtime", {
    python: fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : undefined,
    cache: process.env.MLFLOW_HUB_SERVING_CACHE ?? "/var/cache/mlflow-hub-serving",
  });

/** The MLflow client as users run it, for the SDK suite (e2e/sdk/requirements.txt). */
export const ensureSdkVenv = () => ensureVenv("sdk-venv", path.join(REPO_ROOT, "e2e", "sdk", "requirements.txt"), "MLflow SDK test");

/** MLflow 2.14 as mlflow-sharinghub runs it, to build the migration test's source (e2e/integration/sharinghub/requirements.txt). */
export const ensureSharingHubVenv = () => ensureVenv("sharinghub-venv", path.join(REPO_ROOT, "e2e", "integration", "sharinghub", "requirements.txt"), "MLflow 2.14 (SharingHub migration test)");
