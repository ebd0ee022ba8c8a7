import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { GC_WORKER } from "../../../infra/local/gc.ts";
import type { Stack } from "../../../infra/local/stack.ts";
import { ensureMlflowVenv } from "../../../infra/local/tools.ts";

/** Helpers of the replica suite (replicas.test.ts): a stack of three hubs behind a load balancer. */

export async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A signed-in browser session for bob, stored the way Auth.js stores one. */
export async function newSession(databaseUrl: string): Promise<string> {
  const userId = randomUUID();
  const token = randomBytes(24).toString("hex");
  await query(databaseUrl, "insert into users (id, name, email) values ($1, 'Bob', $2)", [userId, `bob+${userId}@example.com`]);
  await query(databaseUrl, "insert into accounts (id, user_id, type, provider, provider_account_id, access_token) values ($1, $2, 'oauth', 'gitlab', $3, 'glpat-bob-demo')", [
    randomUUID(),
    userId,
    `replicas-${userId}`,
  ]);
  await query(databaseUrl, "insert into sessions (id, session_token, user_id, expires) values ($1, $2, $3, now() + interval '1 hour')", [randomUUID(), token, userId]);
  return token;
}

export const cookie = (sessionToken: string) => ({ cookie: `authjs.session-token=${sessionToken}` });
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An MLflow read through a hub's gateway, as the stock UI sends it (from the hub's origin); the status only. */
export async function search(hub: string, hubOrigin: string, headers: Record<string, string>, project = "ml-team/flood-detection"): Promise<number> {
  const res = await fetch(`${hub}/mlflow/${project}/tracking/api/2.0/mlflow/experiments/search`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: hubOrigin, ...headers },
    body: JSON.stringify({ max_results: 1 }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Polls until `status` comes back; the time it took, or throws after `withinMs`. */
export async function refusedWithin(read: () => Promise<number>, status: number, withinMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const got = await read();
    const elapsed = performance.now() - t0;
    if (got === status) return elapsed;
    if (elapsed > withinMs) throw new Error(`still ${got} after ${Math.round(elapsed)} ms, wanted ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

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
