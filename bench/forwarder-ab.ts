// A/B of the gateway's forwarder (issue 11): lib/gateway/forward.ts (node:http, hand-written)
// against bench/forward-hpm.ts (http-proxy-middleware), in one run against one MLflow. Each
// forwarder runs alone in a process of its own (bench/forward-proxy.ts: forward() and nothing
// else, the hub's node flags), so its CPU, memory and sockets can be read from /proc.
//
//   npx tsx infra/local/cli.ts up --detach --no-hub --state .local/ab --port-offset 3300
//   set -a; . .local/ab/env; set +a
//   npx tsx bench/forwarder-ab.ts [--mb 1024] [--rounds 3] [--batches 3000] [--attack 300] [--forwarder name=path/to/forward.ts …]
//
// Scenarios, every target in turn per round (the order rotates, so drift on a shared machine
// hits all alike), medians printed at the end:
// - an artifact of --mb MiB up then down (MiB/s; forwarder CPU s per GiB; peak RSS growth);
// - runs/log-batch (10 metrics) from 32 keep-alive clients, --batches requests (p50/p99, req/s);
// - the slow-body attack of issue 11 hole 1, forwarders only: --attack connections send
//   GET /health with Content-Length: 100000000, trickle a byte a second for 10 s, then drop; then
//   the sockets the forwarder still holds to MLflow 1 s and 5 s later, and how long /health takes.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { HUB_NODE_FLAGS } from "../infra/local/hub.ts";
import { load } from "./load.ts";
import { socketsTo } from "./sockets.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const opt = (name: string) => args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]] : []));
const MB = Number(opt("mb")[0] ?? 1024);
const ROUNDS = Number(opt("rounds")[0] ?? 3);
const BATCHES = Number(opt("batches")[0] ?? 3000);
const ATTACKERS = Number(opt("attack")[0] ?? 300);
const HPM_VERSION = "3.0.11";
const HPM_PREFIX = process.env.HPM_PREFIX ?? path.join(ROOT, ".local", "bench-hpm");
const WORKSPACE = "gitlab-ab";
const mlflow = new URL(process.env.MLFLOW_URL ?? "");
if (!process.env.MLFLOW_URL) throw new Error("MLFLOW_URL is not set: export a stack's env first (see the top of this file)");

interface Target {
  name: string;
  base: string;
  child?: ChildProcess;
  pid?: number;
}

function ensureHpm() {
  if (fs.existsSync(path.join(HPM_PREFIX, "node_modules", "http-proxy-middleware", "package.json"))) return;
  fs.mkdirSync(HPM_PREFIX, { recursive: true });
  fs.writeFileSync(path.join(HPM_PREFIX, "package.json"), JSON.stringify({ name: "bench-hpm", private: true }));
  execFileSync("npm", ["install", "--prefix", HPM_PREFIX, "--save-exact", "--no-audit", "--no-fund", `http-proxy-middleware@${HPM_VERSION}`], { stdio: "inherit" });
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

async function startForwarder(name: string, module: string): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [...HUB_NODE_FLAGS, "--import", "tsx", path.join(ROOT, "bench", "forward-proxy.ts"), String(port)], {
    env: { ...process.env, FORWARD_MODULE: module, HPM_PREFIX },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("forward-proxy on") && resolve());
    child.on("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
  });
  return { name, base: `http://127.0.0.1:${port}`, child, pid: child.pid };
}

const cpuSeconds = (pid: number) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const headers = { "x-mlflow-workspace": WORKSPACE };

async function mlflowJson(p: string, body: unknown, inWorkspace = true) {
  const res = await fetch(`${mlflow.origin}${p}`, { method: "POST", headers: { ...(inWorkspace ? headers : {}), "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, any>;
  if (!res.ok && json.error_code !== "RESOURCE_ALREADY_EXISTS") throw new Error(`${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const block = Buffer.alloc(1 << 20, 7);
function transfer(url: URL, method: "PUT" | "GET" | "DELETE") {
  return new Promise<{ seconds: number; bytes: number; status: number }>((resolve, reject) => {
    const t0 = performance.now();
    const upload = method === "PUT";
    const req = http.request(url, { method, agent: false, headers: { ...headers, ...(upload ? { "content-type": "application/octet-stream", "content-length": MB * block.length } : {}) } }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => resolve({ seconds: (performance.now() - t0) / 1000, bytes, status: res.statusCode ?? 0 }));
    });
    req.on("error", reject);
    if (upload) Readable.from((function* () { for (let i = 0; i < MB; i++) yield block; })()).pipe(req);
    else req.end();
  });
}

/** Issue 11's attack on one forwarder; what it still holds afterwards. */
async function attack(t: Target) {
  const url = new URL(t.base);
  const sockets = Array.from({ length: ATTACKERS }, () => {
    const s = net.connect({ host: url.hostname, port: Number(url.port) });
    s.on("error", () => {});
    s.on("connect", () => s.write(`GET /health HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: 100000000\r\n\r\n`));
    return s;
  });
  const heldDuring: number[] = [];
  for (let i = 0; i < 10; i++) {
    await sleep(1000);
    for (const s of sockets) if (s.writable) s.write("x");
    heldDuring.push(socketsTo(t.pid!, Number(mlflow.port)));
  }
  for (const s of sockets) s.destroy();
  await sleep(1000);
  const after1 = socketsTo(t.pid!, Number(mlflow.port));
  await sleep(4000);
  const after5 = socketsTo(t.pid!, Number(mlflow.port));
  const t0 = performance.now();
  const health = await fetch(`${t.base}/health`, { signal: AbortSignal.timeout(10_000) }).then(
    (r) => `${r.status} in ${(performance.now() - t0).toFixed(0)} ms`,
    () => "no answer in 10 s",
  );
  return { peak: Math.max(...heldDuring), after1, after5, health };
}

async function main() {
  ensureHpm();
  await mlflowJson("/api/3.0/mlflow/workspaces", { name: WORKSPACE, description: "bench/forwarder-ab.ts" }, false);
  const exp = (await mlflowJson("/api/2.0/mlflow/experiments/create", { name: `forwarder-ab-${Date.now()}` })).experiment_id as string;
  const run = (await mlflowJson("/api/2.0/mlflow/runs/create", { experiment_id: exp, start_time: Date.now() })).run.info.run_id as string;

  const forwarders = [
    ["node:http", path.join(ROOT, "lib", "gateway", "forward.ts")],
    ["hpm", path.join(ROOT, "bench", "forward-hpm.ts")],
    ...opt("forwarder").map((f) => f.split(/=(.*)/s).slice(0, 2)),
  ];
  const targets: Target[] = [{ name: "direct", base: mlflow.origin }];
  for (const [name, module] of forwarders) targets.push(await startForwarder(name, path.resolve(module)));
  console.log(`forwarders: ${targets.map((t) => `${t.name}${t.pid ? ` (pid ${t.pid})` : ""}`).join(", ")}; ${MB} MiB × ${ROUNDS} rounds, ${BATCHES} log-batch requests per round`);

  type Row = { up: number[]; down: number[]; cpuUp: number[]; cpuDown: number[]; rss: number[]; p50: number[]; p99: number[]; rps: number[]; cpuBatch: number[]; errors: number };
  const rows = new Map<string, Row>(targets.map((t) => [t.name, { up: [], down: [], cpuUp: [], cpuDown: [], rss: [], p50: [], p99: [], rps: [], cpuBatch: [], errors: 0 }]));
  const batch = (i: number) =>
    JSON.stringify({ run_id: run, metrics: Array.from({ length: 10 }, (_, k) => ({ key: `m${k}`, value: i * 0.5 + k, timestamp: Date.now(), step: i })) });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]);
      for (const t of order) {
        const r = rows.get(t.name)!;
        const url = new URL(`${t.base}/api/2.0/mlflow-artifacts/artifacts/workspaces/${WORKSPACE}/${exp}/ab/artifacts/${t.name.replace(/\W/g, "-")}-${round}.bin`);
        const rss0 = t.pid ? rssMiB(t.pid) : 0;
        let peak = rss0;
        const sampler = t.pid ? setInterval(() => (peak = Math.max(peak, rssMiB(t.pid!))), 50) : undefined;
        const c0 = t.pid ? cpuSeconds(t.pid) : 0;
        const up = await transfer(url, "PUT");
        const c1 = t.pid ? cpuSeconds(t.pid) : 0;
        const down = await transfer(url, "GET");
        const c2 = t.pid ? cpuSeconds(t.pid) : 0;
        clearInterval(sampler);
        const removed = await transfer(url, "DELETE");
        if (up.status !== 200 || down.status !== 200 || down.bytes !== MB * block.length || removed.status !== 200) throw new Error(`${t.name}: PUT ${up.status}, GET ${down.status} ${down.bytes} bytes, DELETE ${removed.status}`);
        r.up.push(MB / up.seconds);
        r.down.push(MB / down.seconds);
        if (t.pid) {
          r.cpuUp.push(((c1 - c0) * 1024) / MB);
          r.cpuDown.push(((c2 - c1) * 1024) / MB);
          r.rss.push(peak - rss0);
        }
        const c3 = t.pid ? cpuSeconds(t.pid) : 0;
        const lb = await load({ url: `${t.base}/api/2.0/mlflow/runs/log-batch`, method: "POST", headers, body: batch, total: BATCHES, concurrency: 32 });
        if (t.pid) r.cpuBatch.push(((cpuSeconds(t.pid) - c3) * 1000) / BATCHES);
        r.p50.push(lb.p50);
        r.p99.push(lb.p99);
        r.rps.push(lb.rps);
        r.errors += lb.errors;
        console.log(
          `round ${round} ${t.name.padEnd(10)} up ${(MB / up.seconds).toFixed(1)} MiB/s, down ${(MB / down.seconds).toFixed(1)} MiB/s; log-batch p50 ${lb.p50.toFixed(1)} ms, p99 ${lb.p99.toFixed(1)} ms, ${lb.rps.toFixed(0)} req/s, ${lb.errors} errors`,
        );
      }
    }
    const attacks = new Map<string, Awaited<ReturnType<typeof attack>>>();
    for (const t of targets.filter((x) => x.pid)) {
      attacks.set(t.name, await attack(t));
      console.log(`attack ${t.name}: ${JSON.stringify(attacks.get(t.name))}`);
    }

    const ref = rows.get("direct")!;
    const pct = (a: number[], b: number[]) => `${((median(a) / median(b)) * 100).toFixed(0)} %`;
    console.log(`\n| medians of ${ROUNDS} rounds | ${MB} MiB up | down | CPU s/GiB up / down | peak RSS growth | log-batch ×32 p50 / p99 | req/s | CPU ms / request | slow-body attack: sockets to MLflow during / +1 s / +5 s, then /health |`);
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const t of targets) {
      const r = rows.get(t.name)!;
      const a = attacks.get(t.name);
      const cpu = t.pid ? `${median(r.cpuUp).toFixed(2)} / ${median(r.cpuDown).toFixed(2)}` : "";
      console.log(
        `| ${t.name} | ${median(r.up).toFixed(1)} MiB/s (${pct(r.up, ref.up)}) | ${median(r.down).toFixed(1)} MiB/s (${pct(r.down, ref.down)}) | ${cpu} | ${t.pid ? `+${Math.max(...r.rss).toFixed(0)} MiB` : ""} | ${median(r.p50).toFixed(1)} / ${median(r.p99).toFixed(1)} ms | ${median(r.rps).toFixed(0)} (${pct(r.rps, ref.rps)})${r.errors ? `, ${r.errors} errors` : ""} | ${t.pid ? median(r.cpuBatch).toFixed(2) : ""} | ${a ? `${a.peak} / ${a.after1} / ${a.after5}, ${a.health}` : ""} |`,
      );
    }
  } finally {
    for (const t of targets) t.child?.kill("SIGTERM");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
