// Model serving's cost, in one run on a running stack (its env sourced: set -a; . .local/<state>/env):
// a small scikit-learn model's invocation latency (p50/p99, sequential) through the hub, through the
// serving supervisor, and at MLflow's scoring server itself (its unix socket); and a cold start, from
// a stopped endpoint to its first answer. Prints numbers; nothing here passes or fails.
//
//   npx tsx bench/serving.ts            (BENCH_SERVING_REQUESTS=n, default 2000; BENCH_SERVING_ROUNDS=n, default 2)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { cacheDir } from "../infra/local/paths.ts";
import { TunnelAgent } from "../lib/serving/supervisor.ts";

const HUB = process.env.AUTH_URL!;
const SERVING = process.env.SERVING_URL!;
const STATE = process.env.LOCAL_STATE_DIR!;
if (!HUB || !SERVING || !STATE) throw new Error("source a stack's env file first (set -a; . .local/<state>/env; set +a)");
const TOKEN = "glpat-bob-demo";
const PROJECT = "ml-team/flood-detection";
const N = Number(process.env.BENCH_SERVING_REQUESTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_SERVING_ROUNDS ?? 2);
const BODY = JSON.stringify({ dataframe_split: { columns: ["a", "b", "c"], data: [[0.1, 0.2, 0.3]] } });

// Kept alive on every path, the scoring server's socket included: the hub's and the supervisor's own
// upstream connections are, so a fresh connection per direct request would flatter what they add.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const socketAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function post(target: { socketPath?: string; host?: string; port?: number; agent?: http.Agent; instance?: string }, urlPath: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent: target.socketPath ? socketAgent : agent, ...target, method: "POST", path: urlPath, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(BODY), ...headers } } as http.RequestOptions, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(BODY);
  });
}

/**
 * The paths measured in turn, request by request (direct, runtime, hub, direct, …): on a shared
 * virtual machine the speed drifts over seconds, and paths measured one block after another
 * compared different moments (a round once showed the hub faster than the path it goes through).
 */
async function measure(paths: { name: string; once: () => Promise<number> }[]) {
  // Warm-up answers are not checked: the runtime once answered 500 to the first invocation after
  // 5 s idle, on a pooled connection the scoring server had closed (fixed: its keep-alive outlives the pool's).
  for (let i = 0; i < 100; i++) for (const p of paths) await p.once().catch(() => 0);
  const ms = paths.map(() => [] as number[]);
  const failed = paths.map(() => 0);
  for (let i = 0; i < N; i++) {
    for (const [k, p] of paths.entries()) {
      const t0 = process.hrtime.bigint();
      const status = await p.once();
      ms[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (status !== 200) failed[k]++;
    }
  }
  return paths.map((p, k) => {
    const sorted = ms[k].sort((a, b) => a - b);
    const q = (x: number) => sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))];
    return { name: p.name, p50: q(0.5), p99: q(0.99), failed: failed[k] };
  });
}

const api = (method: string, p: string) => fetch(`${HUB}/mlflow/${PROJECT}/serving/${p}`, { method, headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));

async function waitReady(model: string) {
  for (;;) {
    const { json } = await api("GET", `${model}/1`);
    if (json.state === "ready") return json;
    if (json.state === "failed") throw new Error(json.error);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main() {
  const sdk = fs.readdirSync(cacheDir()).find((d) => d.startsWith("sdk-venv-"));
  const model = `bench-serving-${Date.now()}`;
  execFileSync(path.join(cacheDir(), sdk!, "bin", "python"), ["-c", `
import mlflow, numpy as np, pandas as pd
from sklearn.linear_model import LinearRegression
mlflow.set_tracking_uri("${HUB}/mlflow/${PROJECT}/tracking/")
mlflow.set_experiment("${model}")
x = pd.DataFrame(np.random.rand(50, 3), columns=["a", "b", "c"])
with mlflow.start_run():
    mlflow.sklearn.log_model(LinearRegression().fit(x, x["a"]), name="model", registered_model_name="${model}")
`], { env: { ...process.env, MLFLOW_TRACKING_TOKEN: TOKEN }, stdio: "ignore" });
  await api("PUT", `${model}/1`);
  const endpoint = await waitReady(model);
  const instance = `${endpoint.id.replace(/-/g, "")}-v1`;
  const socketPath = path.join(STATE, "serving", "sockets", `${instance}.sock`);
  const sup = new URL(SERVING);
  const hub = new URL(HUB);
  const servingToken = fs.readFileSync(path.join(STATE, "env"), "utf8").match(/^SERVING_TOKEN='(.*)'$/m)![1];
  const tunnels = new TunnelAgent(sup, `Bearer ${servingToken}`);
  // Rounds of the three paths, interleaved request by request.
  for (let round = 1; round <= ROUNDS; round++) {
    const rows = await measure([
      { name: "scoring server (its unix socket)", once: () => post({ socketPath }, "/invocations", {}) },
      // The hub's own way through the runtime: a kept-alive tunnel (CONNECT) to the instance.
      { name: "serving runtime (its tunnel)", once: () => post({ host: sup.hostname, port: Number(sup.port), agent: tunnels, instance }, "/invocations", {}) },
      { name: "hub gateway", once: () => post({ host: hub.hostname, port: Number(hub.port) }, `/mlflow/${PROJECT}/serving/${model}/1/invocations`, { authorization: `Bearer ${TOKEN}` }) },
    ]);
    console.log(`invocation latency, round ${round} of ${ROUNDS}, ${N} sequential requests on each path, interleaved (ms):`);
    for (const r of rows) console.log(`  ${r.name.padEnd(34)} p50 ${r.p50.toFixed(2)}  p99 ${r.p99.toFixed(2)}${r.failed ? `  (${r.failed} answers not 200)` : ""}`);
    console.log(`  added by the hub + runtime at p50: ${(rows[2].p50 - rows[0].p50).toFixed(2)} ms; by the runtime's tunnel: ${(rows[1].p50 - rows[0].p50).toFixed(2)} ms; by the hub alone: ${(rows[2].p50 - rows[1].p50).toFixed(2)} ms`);
  }

  await api("DELETE", `${model}/1`);
  const t0 = Date.now();
  await api("PUT", `${model}/1`);
  let status = 0;
  while (status !== 200) status = await post({ host: hub.hostname, port: Number(hub.port) }, `/mlflow/${PROJECT}/serving/${model}/1/invocations`, { authorization: `Bearer ${TOKEN}` });
  console.log(`cold start, stopped → deploy → first answer: ${((Date.now() - t0) / 1000).toFixed(1)} s (download through the gateway, scoring server start, model load)`);
  await api("DELETE", `${model}/1`);
  agent.destroy();
  socketAgent.destroy();
  tunnels.destroy();
}

void main();
