import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./paths.ts";
import { httpOk, run, spawnService, waitUntilHealthy, type Service } from "./proc.ts";

export type HubMode = "prod" | "dev";

/** The hub's server (gateway + Next) as the image runs it; see scripts/build-server.ts. */
export const HUB_SERVER = path.join(REPO_ROOT, ".next", "standalone", "hub-server.mjs");
const SOURCES = ["app", "components", "lib", "server", "hub-server.ts", "auth.ts", "instrumentation.ts", "instrumentation-node.ts", "proxy.ts", "next.config.ts", "package-lock.json", "prisma/schema.prisma"];

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const stat = fs.statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(p)) {
    if (entry === "generated" || entry === "node_modules") continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

/** Production mode runs the standalone build (what the image runs); it is rebuilt only when a source is newer. */
export async function ensureHubBuild(log: (m: string) => void): Promise<void> {
  const built = fs.existsSync(HUB_SERVER) ? fs.statSync(HUB_SERVER).mtimeMs : 0;
  const newest = Math.max(...SOURCES.map((s) => newestMtime(path.join(REPO_ROOT, s))));
  if (built > newest) return;
  log("building the hub (next build)…");
  await run("npm", ["run", "--silent", "build"], { cwd: REPO_ROOT, quiet: true });
}

/**
 * Node flags of the hub process, here and in the image's CMD (a test keeps them equal).
 * Node 20's V8 counts Buffer memory allocated since the last full GC against the old
 * generation's headroom, only a few MiB above Next's live heap: streaming artifacts then
 * set off a full mark-compact every few tens of MiB (half the hub's CPU on a download).
 * A 128 MiB initial old space keeps that headroom; NODE_OPTIONS does not accept this flag.
 */
export const HUB_NODE_FLAGS = ["--initial-old-space-size=128"];

export async function startHub(opts: { logDir: string; port: number; mode: HubMode; env: Record<string, string>; name?: string }): Promise<Service> {
  const name = opts.name ?? "hub";
  const common = { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env };
  const service =
    opts.mode === "prod"
      ? spawnService({
          name,
          command: process.execPath,
          args: [...HUB_NODE_FLAGS, HUB_SERVER],
          cwd: path.dirname(HUB_SERVER),
          env: { ...common, NODE_ENV: "production", PORT: String(opts.port), HOSTNAME: "127.0.0.1" },
          logDir: opts.logDir,
        })
      : spawnService({
          name,
          command: process.execPath,
          args: [...HUB_NODE_FLAGS, "--import", "tsx", path.join(REPO_ROOT, "hub-server.ts")],
          cwd: REPO_ROOT,
          env: { ...common, NODE_ENV: "development", PORT: String(opts.port), HOSTNAME: "127.0.0.1" },
          logDir: opts.logDir,
        });
  await waitUntilHealthy(service, () => httpOk(`http://127.0.0.1:${opts.port}/api/health`), opts.mode === "prod" ? 60_000 : 180_000);
  return service;
}
