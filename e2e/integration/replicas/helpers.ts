import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { GC_WORKER } from "../../../infra/local/gc.ts";
import type { Stack } from "../../../infra/local/stack.ts";
import { ensureMlflowVenv } from "../../../infra/local/tools.ts";
import { bearer } from "../hub-clients.ts";

/** Helpers of the replica suite (replicas.test.ts): a stack of three hubs behind a load balancer. */

export { bearer, cookie, newSession, query, refusedWithin, search } from "../hub-clients.ts";

/** GitLab API calls one hub process has made, by endpoint (its /metrics). */
export async function gitlabCalls(hub: string, metricsToken: string): Promise<Record<string, number>> {
  const res = await fetch(`${hub}/metrics`, { headers: bearer(metricsToken) });
  if (!res.ok) throw new Error(`${hub}/metrics answered ${res.status}`);
  const calls: Record<string, number> = {};
  for (const line of (await res.text()).split("\n")) {
    const m = /^mlflow_hub_gitlab_api_calls_total\{[^}]*endpoint="([^"]+)"[^}]*\} (\S+)$/.exec(line);
    if (m) calls[m[1]] = (calls[m[1]] ?? 0) + Number(m[2]);
  }
  return calls;
}

/** Bytes a process has read so far (sockets included): the hub that serves an upload reads fastest. */
export function bytesRead(pid: number): number {
  const io = fs.readFileSync(`/proc/${pid}/io`, "utf8");
  return Number(/^rchar: (\d+)$/m.exec(io)![1]);
}

export interface GcWorker {
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  kill(): Promise<number | null>;
}

/** A garbage collector (infra/mlflow/gc_worker.py) beside the stack's own, in its own process group. */
export async function gcWorker(stack: Stack, env: Record<string, string>): Promise<GcWorker> {
  const python = path.join(await ensureMlflowVenv(), "bin", "python");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gc-worker-"));
  const child = spawn(python, [GC_WORKER], {
    env: {
      PATH: `${path.dirname(python)}:${process.env.PATH}`,
      HOME: process.env.HOME,
      DATABASE_URL: stack.env.DATABASE_URL,
      MLFLOW_DATABASE_URL: stack.env.MLFLOW_DATABASE_URL,
      MLFLOW_TRACKING_URI: stack.env.MLFLOW_URL,
      MLFLOW_GC_HEARTBEAT_FILE: path.join(dir, "alive"),
      MLFLOW_GC_POLL_SECONDS: "1",
      ...env,
    } as Record<string, string | undefined> as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      /* already gone */
    }
    return exited;
  };
  return { pid: child.pid!, output: () => output, exited, stop: () => signal("SIGTERM"), kill: () => signal("SIGKILL") };
}

/** Until `check` holds; throws with `why` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${why()} (waited ${Math.round(timeoutMs / 1000)} s)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
