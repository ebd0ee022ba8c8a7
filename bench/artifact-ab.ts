// A/B micro-benchmark for artifact throughput against a running stack (not part of `npm run bench`).
//
//   set -a; . .local/h3/env; set +a
//   npx tsx bench/artifact-ab.ts [--mb 256] [--rounds 5] [--target name=baseURL …] [--pid name=PID …]
//
// Targets default to `direct` (MLflow with the workspace header) and `hub` (the hub's tracking URI of
// the demo project ml-team/flood-detection, as alice). Each round uploads then downloads one artifact
// through every target in turn (the order rotates per round), so slow drift on a shared machine hits
// every target alike; medians are printed at the end. `--pid name=PID` samples that process's RSS
// during the target's transfers.
import fs from "node:fs";
import http from "node:http";
import { Readable } from "node:stream";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === `--${name}`) out.push(args[++i]);
  return out;
};
const MB = Number(opt("mb")[0] ?? 256);
const ROUNDS = Number(opt("rounds")[0] ?? 5);
const PROJECT_ID = 101;
const TOKEN = "glpat-alice-demo";
const mlflow = process.env.MLFLOW_URL!;
const hubBase = `${process.env.AUTH_URL}/mlflow/ml-team/flood-detection/tracking`;
const workspace = `gitlab-${PROJECT_ID}`;

interface Target {
  name: string;
  base: string;
  headers: Record<string, string>;
  pid?: number;
}
const targets: Target[] = [];
const given = opt("target");
if (given.length === 0) {
  targets.push({ name: "direct", base: mlflow, headers: { "x-mlflow-workspace": workspace } });
  targets.push({ name: "hub", base: hubBase, headers: { authorization: `Bearer ${TOKEN}` } });
} else {
  for (const t of given) {
    const [name, base] = t.split(/=(.*)/s);
    const isDirect = base === "direct" || base.startsWith(mlflow);
    targets.push({
      name,
      base: base === "direct" ? mlflow : base === "hub" ? hubBase : base,
      headers: isDirect ? { "x-mlflow-workspace": workspace } : { authorization: `Bearer ${TOKEN}`, "x-mlflow-workspace": workspace },
    });
  }
}
for (const p of opt("pid")) {
  const [name, pid] = p.split("=");
  const t = targets.find((x) => x.name === name);
  if (t) t.pid = Number(pid);
}

/** User + system CPU seconds the process has used so far. */
const cpuSeconds = (pid: number) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function experiment(): Promise<string> {
  const name = `artifact-ab-${Date.now()}`;
  const res = await fetch(`${hubBase}/api/2.0/mlflow/experiments/create`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const body = (await res.json()) as { experiment_id?: string };
  if (!res.ok || !body.experiment_id) throw new Error(`experiment: ${res.status} ${JSON.stringify(body)}`);
  return body.experiment_id;
}

const block = Buffer.alloc(1 << 20, 7);
function request(url: URL, method: string, headers: Record<string, string>, upload: boolean) {
  return new Promise<{ seconds: number; ttfb: number; bytes: number; status: number }>((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method, headers: { ...headers, ...(upload ? { "content-type": "application/octet-stream", "content-length": MB * block.length } : {}) } }, (res) => {
      const ttfb = (performance.now() - t0) / 1000;
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => resolve({ seconds: (performance.now() - t0) / 1000, ttfb, bytes, status: res.statusCode ?? 0 }));
    });
    req.on("error", reject);
    if (upload) Readable.from((function* () { for (let i = 0; i < MB; i++) yield block; })()).pipe(req);
    else req.end();
  });
}

async function main() {
  const exp = await experiment();
  const dir = `workspaces/${workspace}/${exp}/ab/artifacts`;
  const results = new Map<string, { up: number[]; down: number[]; stream: number[]; ttfb: number[]; rss: number[]; cpuUp: number[]; cpuDown: number[] }>();
  for (const t of targets) results.set(t.name, { up: [], down: [], stream: [], ttfb: [], rss: [], cpuUp: [], cpuDown: [] });
  for (let round = 0; round < ROUNDS; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const t of order) {
      const url = new URL(`${t.base}/api/2.0/mlflow-artifacts/artifacts/${dir}/${t.name}-${round}.bin`);
      const baseline = t.pid ? rssMiB(t.pid) : 0;
      let peak = baseline;
      const sampler = t.pid ? setInterval(() => (peak = Math.max(peak, rssMiB(t.pid!))), 50) : undefined;
      const cpu0 = t.pid ? cpuSeconds(t.pid) : 0;
      const up = await request(url, "PUT", t.headers, true);
      const cpu1 = t.pid ? cpuSeconds(t.pid) : 0;
      const down = await request(url, "GET", t.headers, false);
      const cpu2 = t.pid ? cpuSeconds(t.pid) : 0;
      if (sampler) clearInterval(sampler);
      // Gone again: rounds of GiB-sized artifacts fill the stack's disk otherwise.
      const removed = await request(url, "DELETE", t.headers, false);
      if (up.status !== 200 || down.status !== 200 || down.bytes !== MB * block.length || removed.status !== 200) throw new Error(`${t.name}: PUT ${up.status}, GET ${down.status} ${down.bytes} bytes, DELETE ${removed.status}`);
      const r = results.get(t.name)!;
      r.up.push(MB / up.seconds);
      r.down.push(MB / down.seconds);
      r.stream.push(MB / (down.seconds - down.ttfb));
      r.ttfb.push(down.ttfb);
      r.rss.push(peak - baseline);
      r.cpuUp.push(((cpu1 - cpu0) * 1024) / MB);
      r.cpuDown.push(((cpu2 - cpu1) * 1024) / MB);
      console.log(
        `round ${round} ${t.name.padEnd(8)} up ${(MB / up.seconds).toFixed(1)} MiB/s  down ${(MB / down.seconds).toFixed(1)} MiB/s (ttfb ${down.ttfb.toFixed(2)} s, body ${(MB / (down.seconds - down.ttfb)).toFixed(1)} MiB/s)${t.pid ? `  rss +${(peak - baseline).toFixed(0)} MiB, cpu ${(((cpu1 - cpu0) * 1024) / MB).toFixed(2)} / ${(((cpu2 - cpu1) * 1024) / MB).toFixed(2)} s/GiB` : ""}`,
      );
    }
  }
  const ref = results.get(targets[0].name)!;
  console.log(`\nmedians over ${ROUNDS} rounds of ${MB} MiB (ratios vs ${targets[0].name}):`);
  for (const t of targets) {
    const r = results.get(t.name)!;
    const pct = (a: number[], b: number[]) => `${((median(a) / median(b)) * 100).toFixed(0)} %`;
    console.log(
      `${t.name.padEnd(8)} up ${median(r.up).toFixed(1)} MiB/s (${pct(r.up, ref.up)})  down ${median(r.down).toFixed(1)} MiB/s (${pct(r.down, ref.down)})  ttfb ${median(r.ttfb).toFixed(2)} s  body ${median(r.stream).toFixed(1)} MiB/s (${pct(r.stream, ref.stream)})${t.pid ? `  rss peak +${Math.max(...r.rss).toFixed(0)} MiB, cpu up ${median(r.cpuUp).toFixed(2)} / down ${median(r.cpuDown).toFixed(2)} s per GiB` : ""}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
