import { spawnSync } from "node:child_process";
import path from "node:path";

/**
 * The variables an env file sets when sh sources it as the README's recipes do
 * (`set -a; . ./.env; set +a`), under `set -eu` so a line sh misreads fails loudly.
 * Throws with sh's own message when it cannot.
 */
export function sourceWithSh(file: string): Record<string, string> {
  // env -i: only what the file sets (and PATH) comes back.
  const run = spawnSync("env", ["-i", `PATH=${process.env.PATH}`, "sh", "-c", 'set -eu; set -a; . "./$1"; env -0', "sh", path.basename(file)], {
    cwd: path.dirname(file),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`sh could not source ${file}: ${run.stderr.trim()}`);
  return Object.fromEntries(
    run.stdout
      .split("\0")
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
  );
}
