// The compose appliance scripts/test-appliance started: its compose command, its
// URL and the demo's tokens. Without that script's environment the suite fails
// rather than skip itself.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import path from "node:path";
import type { Hub } from "../shared/project-data.ts";

export const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the appliance suite runs through scripts/test-appliance, which starts the stack`);
  return value;
}

export const PROJECT = required("APPLIANCE_PROJECT");
export const HUB_URL = new URL(required("APPLIANCE_URL"));
export const DOMAIN = required("APPLIANCE_DOMAIN");
export const PORTS = { https: Number(required("APPLIANCE_HTTPS_PORT")), http: Number(required("APPLIANCE_HTTP_PORT")), gitlab: Number(required("APPLIANCE_GITLAB_PORT")) };

/** alice is a Maintainer of both demo projects the suite writes to. */
export const hub = (token = "glpat-alice-demo"): Hub => ({ origin: HUB_URL.origin, token });

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: SpawnSyncOptions = {}): Ran {
  const r = spawnSync(command, args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, ...options });
  return { status: r.status, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** `docker compose` exactly as scripts/test-appliance runs it. */
export function compose(args: string[], options: SpawnSyncOptions = {}): Ran {
  const base = ["compose", "-p", PROJECT, "--env-file", required("APPLIANCE_ENV_FILE"), "-f", "docker-compose.yml", "-f", "infra/compose/appliance/tls.override.yml", "--profile", "demo"];
  return run("docker", [...base, ...args], options);
}

/** Like compose(), but a non-zero exit fails the test with what compose said. */
export function composeOk(args: string[], options: SpawnSyncOptions = {}): string {
  const r = compose(args, options);
  if (r.status !== 0) throw new Error(`docker compose ${args.join(" ")} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

export interface ComposeContainer {
  Name: string;
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
  Publishers: { URL: string; TargetPort: number; PublishedPort: number; Protocol: string }[];
}

/** Every container of the stack, running or exited (`docker compose ps -a`). */
export function containers(): ComposeContainer[] {
  const out = composeOk(["ps", "-a", "--format", "json"]).trim();
  if (!out) return [];
  // Compose prints one JSON object per line (older releases: one array).
  return out.startsWith("[") ? JSON.parse(out) : out.split("\n").map((l) => JSON.parse(l));
}

/** Waits until fn() stops throwing, or fails with its last error. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 120_000, everyMs = 1000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
