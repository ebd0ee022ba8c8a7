// npm run bench:scale: how the hub scales on this machine (issue #14, part 4). A stack of its own
// (ports shifted by PORT_OFFSETS.scaleBench, state in .local/bench-scale) with three hubs behind
// HAProxy, run once with one MLflow worker process and once with two; the load balancer is pointed
// at one, two or three of the hubs in turn. Prints the log-batch throughput and p50/p99 of each
// setting as ratios to one hub + one MLflow, then 1 GiB transfers with two clients at once.
// Nothing here passes or fails; docs/scaling.md explains the numbers.
//
// BENCH_SCALE_REQUESTS (default 4000 per setting), BENCH_SCALE_CLIENTS (32), BENCH_SCALE_ARTIFACT_MB
// (1024) make it shorter or longer.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPLICA_HEADER, startLoadBalancer } from "../infra/local/loadbalancer.ts";
import { REPO_ROOT } from "../infra/local/paths.ts";
import { PORT_OFFSETS, replicaPorts } from "../infra/local/ports.ts";
import { stopService, type Service } from "../infra/local/proc.ts";
import { startStack, type Stack } from "../infra/local/stack.ts";
import { combine, load, timedTransfer, type LoadResult, type Transfer } from "./load.ts";

const STATE = path.join(REPO_ROOT, ".local", "bench-scale");
const REQUESTS = Number(process.env.BENCH_SCALE_REQUESTS ?? 4_000);
const CLIENTS = Number(process.env.BENCH_SCALE_CLIENTS ?? 32);
const ARTIFACT_MB = Number(process.env.BENCH_SCALE_ARTIFACT_MB ?? 1024);
const ROUNDS = 2;
const TOKEN = "glpat-bob-demo";
const PROJECT = "ml-team/flood-detection";
const auth = { authorization: `Bearer ${TOKEN}` };

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

async function json(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) });
  const out = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** The stack's load balancer, restarted in front of the first `n` hubs. */
async function pointAt(stack: Stack, current: Service | undefined, n: number): Promise<Service> {
  if (current) await stopService(current);
  else await stack.stopOne("load-balancer");
  const offset = PORT_OFFSETS.scaleBench;
  const { hubs, loadBalancer } = replicaPorts(offset);
  return startLoadBalancer({ dir: path.join(stack.dir, "load-balancer"), logDir: path.join(stack.dir, "logs"), port: loadBalancer, hubPorts: hubs.slice(0, n) });
}

/** Which hubs answered `count` requests through the load balancer (a check that it balances as configured). */
async function replicasServing(base: string, count: number): Promise<number> {
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${base}/api/health`);
    await res.arrayBuffer();
    seen.add(res.headers.get(REPLICA_HEADER) ?? "none");
  }
  return seen.size;
}

/** Resident memory of a service's whole process group (MLflow's workers with their supervisor), MiB. */
function groupRssMiB(pgid: number): number {
  try {
    return execFileSync("ps", ["-o", "rss=", "-g", String(pgid)], { encoding: "utf8" }).split("\n").reduce((n, l) => n + (Number(l.trim()) || 0), 0) / 1024;
  } catch {
    return NaN;
  }
}

/** CPU seconds used so far by a process group's live processes (utime + stime, /proc at 100 Hz). */
function groupCpuSeconds(pgid: number): number {
  let pids: string[];
  try {
    pids = execFileSync("ps", ["-o", "pid=", "-g", String(pgid)], { encoding: "utf8" }).split("\n").map((l) => l.trim()).filter(Boolean);
  } catch {
    return 0;
  }
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
      const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      /* exited meanwhile */
    }
  }
  return ticks / 100;
}

/** CPU seconds of each part of the stack (every hub together), to split a request's cost between them. */
function stackCpu(stack: Stack, lb: Service | undefined): Record<string, number> {
  const of = (names: (n: string) => boolean) => stack.services.filter((x) => names(x.name)).reduce((n, x) => n + groupCpuSeconds(x.pid), 0);
  return { hubs: of((n) => n.startsWith("hub")), mlflow: of((n) => n === "mlflow"), postgres: of((n) => n === "postgres"), haproxy: lb ? groupCpuSeconds(lb.pid) : 0 };
}

const cpuSeconds = () => os.cpus().reduce((n, c) => n + (c.times.user + c.times.sys + c.times.nice + c.times.irq), 0) / 1000;

interface Setting {
  hubs: number;
  workers: number;
  result: LoadResult;
  /** Machine CPU seconds per 1,000 requests, every process included (the load generator too). */
  cpuPer1000: number;
  /** CPU milliseconds per request of the hubs, MLflow, Postgres and HAProxy. */
  perRequestMs: Record<string, number>;
}

async function logBatchLoad(stack: Stack, lb: Service, runIds: string[]): Promise<{ result: LoadResult; cpuPer1000: number; perRequestMs: Record<string, number> }> {
  const url = `${stack.env.AUTH_URL}/mlflow/${PROJECT}/tracking/api/2.0/mlflow/runs/log-batch`;
  // One run per client, as training jobs log; ten metrics per batch, as the SDK's autolog sends them.
  const body = (i: number, c: number) => JSON.stringify({ run_id: runIds[c], metrics: Array.from({ length: 10 }, (_, k) => ({ key: `m${k}`, value: i * k, timestamp: Date.now(), step: i })) });
  await load({ url, method: "POST", headers: auth, body, total: 200, concurrency: CLIENTS });
  const results: LoadResult[] = [];
  const cpu0 = cpuSeconds();
  const parts0 = stackCpu(stack, lb);
  for (let round = 0; round < ROUNDS; round++) results.push(await load({ url, method: "POST", headers: auth, body, total: REQUESTS / ROUNDS, concurrency: CLIENTS }));
  const result = combine(results);
  const parts1 = stackCpu(stack, lb);
  const perRequestMs = Object.fromEntries(Object.keys(parts1).map((k) => [k, ((parts1[k] - parts0[k]) / result.requests) * 1000]));
  return { result, cpuPer1000: ((cpuSeconds() - cpu0) / result.requests) * 1000, perRequestMs };
}

/** `clients` transfers of ARTIFACT_MB MiB at once, up then down; MiB/s of each client and in all. */
async function transfers(stack: Stack, artifactRoot: string, clients: number) {
  const url = (i: number) => new URL(`${stack.env.AUTH_URL}/mlflow/${PROJECT}/tracking/api/2.0/mlflow-artifacts/artifacts/${artifactRoot}/scale-${i}.bin`);
  const request = (i: number, method: string, uploadMiB?: number) => timedTransfer(url(i), method, auth, uploadMiB);
  const timed = async (make: (i: number) => Promise<Transfer>) => {
    const t0 = performance.now();
    const each = await Promise.all(Array.from({ length: clients }, (_, i) => make(i)));
    const wall = (performance.now() - t0) / 1000;
    for (const r of each) if (r.status !== 200) throw new Error(`transfer answered ${r.status}`);
    return { perClient: each.map((r) => ARTIFACT_MB / r.seconds), total: (clients * ARTIFACT_MB) / wall };
  };
  // MLflow's memory while it takes the uploads: its WSGI bridge holds each request body whole.
  const mlflow = stack.services.find((s) => s.name === "mlflow")!.pid;
  const baseline = groupRssMiB(mlflow);
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, groupRssMiB(mlflow))), 200);
  const up = await timed((i) => request(i, "PUT", ARTIFACT_MB));
  clearInterval(sampler);
  const down = await timed((i) => request(i, "GET"));
  for (let i = 0; i < clients; i++) await request(i, "DELETE");
  return { up, down, mlflowRssGrowthMiB: peak - baseline };
}

async function measureStack(workers: number, settings: Setting[], transferRows: string[][]) {
  fs.rmSync(STATE, { recursive: true, force: true });
  console.log(`starting a stack with 3 hubs and ${workers} MLflow worker process(es)…`);
  // One address (this benchmark) sends every request: measure the hubs, not the per-address limits.
  process.env.GATEWAY_MAX_REQUESTS_PER_CLIENT ??= "1000";
  const stack = await startStack({ stateDir: STATE, portOffset: PORT_OFFSETS.scaleBench, hub: "prod", hubReplicas: 3, mlflowWorkers: workers, log: (m) => console.log(`  ${m}`) });
  let lb: Service | undefined;
  try {
    const tracking = `${stack.env.AUTH_URL}/mlflow/${PROJECT}/tracking/api/2.0/mlflow`;
    const experimentId = (await json(`${tracking}/experiments/create`, { name: `scale-${workers}-${Date.now()}` })).experiment_id as string;
    const runIds: string[] = [];
    for (let c = 0; c < CLIENTS; c++) runIds.push(((await json(`${tracking}/runs/create`, { experiment_id: experimentId })).run as { info: { run_id: string } }).info.run_id);
    const artifactRoot = ((await json(`${tracking}/runs/create`, { experiment_id: experimentId })).run as { info: { artifact_uri: string } }).info.artifact_uri.replace(/^mlflow-artifacts:\//, "");

    for (const hubs of [1, 2, 3]) {
      lb = await pointAt(stack, lb, hubs);
      const serving = await replicasServing(stack.env.AUTH_URL, 6);
      if (serving !== hubs) throw new Error(`the load balancer spread requests over ${serving} hubs, wanted ${hubs}`);
      console.log(`log-batch, ${CLIENTS} clients, ${hubs} hub(s), ${workers} MLflow worker(s)…`);
      settings.push({ hubs, workers, ...(await logBatchLoad(stack, lb, runIds)) });
      if (hubs === 1 || hubs === 3) {
        console.log(`two ${ARTIFACT_MB} MiB transfers at once, ${hubs} hub(s), ${workers} MLflow worker(s)…`);
        const t = await transfers(stack, artifactRoot, 2);
        transferRows.push([
          `${hubs} hub${hubs > 1 ? "s" : ""} + ${workers} MLflow`,
          `${t.up.perClient.map((x) => fmt(x, 0)).join(" + ")} = ${fmt(t.up.total, 0)} MiB/s`,
          `${t.down.perClient.map((x) => fmt(x, 0)).join(" + ")} = ${fmt(t.down.total, 0)} MiB/s`,
          `+${fmt(t.mlflowRssGrowthMiB, 0)} MiB`,
        ]);
      }
    }
  } finally {
    if (lb) await stopService(lb);
    await stack.stop();
  }
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
}

async function main() {
  const settings: Setting[] = [];
  const transferRows: string[][] = [];
  for (const workers of [1, 2]) await measureStack(workers, settings, transferRows);
  const base = settings.find((s) => s.hubs === 1 && s.workers === 1)!.result;
  const rows = settings.map((s) => [
    `${s.hubs} hub${s.hubs > 1 ? "s" : ""} + ${s.workers} MLflow`,
    `${fmt(s.result.rps, 0)} req/s`,
    `${fmt(s.result.rps / base.rps, 2)}×`,
    `${fmt(s.result.p50, 1)} / ${fmt(s.result.p99, 1)} ms`,
    `${fmt(s.result.p50 / base.p50, 2)}× / ${fmt(s.result.p99 / base.p99, 2)}×`,
    `${fmt(s.cpuPer1000, 2)} s`,
    `${fmt(s.perRequestMs.hubs, 2)} / ${fmt(s.perRequestMs.mlflow, 2)} / ${fmt(s.perRequestMs.postgres, 2)} / ${fmt(s.perRequestMs.haproxy, 2)} ms`,
    String(s.result.errors),
  ]);
  console.log(`\nlog-batch (10 metrics) through HAProxy, ${CLIENTS} clients, ${REQUESTS} requests per setting, ${os.cpus().length} cores`);
  console.log(table(["setting", "throughput", "vs 1+1", "p50 / p99", "vs 1+1", "CPU / 1,000 req", "CPU per request: hubs / MLflow / Postgres / HAProxy", "errors"], rows));
  console.log(`\ntwo ${ARTIFACT_MB} MiB artifacts at once through HAProxy (each client, and in all)`);
  console.log(table(["setting", "upload", "download", "MLflow RSS growth (uploads)"], transferRows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
