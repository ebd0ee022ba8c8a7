import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cacheDir, REPO_ROOT } from "./paths.ts";
import { LaunchError, run } from "./proc.ts";
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
  return binary;
}

/**
 * A Python virtualenv with exactly a requirements file's pins, cached under a
 * name keyed by that file's content: a pin bump builds a new one.
 */
export async function ensureVenv(name: string, requirements: string, label: string): Promise<string> {
  const hash = createHash("sha256").update(fs.readFileSync(requirements)).digest("hex").slice(0, 12);
  const dir = path.join(cacheDir(), `${name}-${hash}`);
  const ready = path.join(dir, ".complete");
  if (fs.existsSync(ready)) return dir;
  say(`creating the ${label} virtualenv (once; about a minute)…`);
  fs.rmSync(dir, { recursive: true, force: true });
  const python = process.env.PYTHON ?? "python3";
  await run(python, ["-m", "venv", dir], { quiet: true });
  await run(path.join(dir, "bin", "pip"), ["install", "--quiet", "--disable-pip-version-check", "-r", requirements], { quiet: true }).catch((e: Error) => {
    throw new LaunchError(`installing ${requirements} failed\n${e.message}`);
  });
  fs.writeFileSync(ready, new Date().toISOString());
  return dir;
}

/** The MLflow server's virtualenv (infra/mlflow/requirements.txt). */
export const ensureMlflowVenv = () => ensureVenv("mlflow-venv", path.join(REPO_ROOT, "infra", "mlflow", "requirements.txt"), "MLflow server");

/** The MLflow client as users run it, for the SDK suite (e2e/sdk/requirements.txt). */
export const ensureSdkVenv = () => ensureVenv("sdk-venv", path.join(REPO_ROOT, "e2e", "sdk", "requirements.txt"), "MLflow SDK test");
