// The runs table with 10,000 runs in one experiment (issue #4: first rows in under a second).
// Runs against a stack that is already up — its env file exported (AUTH_URL, MLFLOW_URL, …):
//   set -a; . .local/<state>/env; set +a; npx tsx bench/runs-table.ts [--write]
// Seeds `bench-runs-10k (101)` in ml-team/flood-detection through the gateway with bob's
// token (only the runs still missing, so a second run reuses them), then measures the
// gateway's search-runs latency for the table's first page (MLflow direct beside it) and, in
// Chromium, the time from navigation to the first table row. Prints numbers; with --write it
// appends them to docs/benchmarks.md. Nothing here passes or fails.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "@playwright/test";
import { mlflowRest, signInAs } from "../e2e/browser/d2-helpers.ts";
import { REPO_ROOT } from "../infra/local/paths.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_SEED_CONCURRENCY ?? 8);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);
const LOADS = Number(process.env.BENCH_PAGE_LOADS ?? 10);
const PROJECT = "ml-team/flood-detection";
const PROJECT_ID = 101;
const TOKEN = "glpat-bob-demo";
const EXPERIMENT = `bench-runs-${RUNS >= 1000 ? `${RUNS / 1000}k` : RUNS} (${PROJECT_ID})`;

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: export a running stack's env first (set -a; . .local/<state>/env; set +a)`);
  return v;
}
const HUB = env("AUTH_URL");
const MLFLOW = env("MLFLOW_URL");

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

async function postJson(url: string, body: unknown, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`POST ${url} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const gatewayApi = `${HUB}/mlflow/${PROJECT}/tracking/api/2.0/mlflow`;
const auth = { authorization: `Bearer ${TOKEN}` };

async function experimentId(): Promise<string> {
  const res = await fetch(`${gatewayApi}/experiments/get-by-name?experiment_name=${encodeURIComponent(EXPERIMENT)}`, { headers: auth });
  if (res.ok) return ((await res.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
  return mlflowRest(HUB, PROJECT, TOKEN).createExperiment(EXPERIMENT);
}

async function countRuns(experiment: string): Promise<number> {
  let n = 0;
  let token: string | undefined;
  do {
    const page = (await postJson(`${gatewayApi}/runs/search`, { experiment_ids: [experiment], max_results: 1000, page_token: token }, auth)) as { runs?: unknown[]; next_page_token?: string };
    n += page.runs?.length ?? 0;
    token = page.next_page_token;
  } while (token);
  return n;
}

/** Two calls per run (create, then one log-batch with its params and metrics), CONCURRENCY at a time. */
async function seed(experiment: string, from: number) {
  const m = mlflowRest(HUB, PROJECT, TOKEN);
  const t0 = Date.now() - RUNS * 1000;
  let next = from;
  let done = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < RUNS; i = next++) {
      const start = t0 + i * 1000;
      const run = await m.createRun(experiment, `bench-${i}`, start, [{ key: "bench", value: "runs-table" }], "bob");
      const rmse = ((i * 7919) % 10_000) / 10_000;
      await m.logBatch(run.run_id, {
        params: [
          { key: "alpha", value: String((i % 10) / 10) },
          { key: "model", value: ["unet", "resnet", "vit"][i % 3] },
          { key: "seed", value: String(i) },
        ],
        metrics: [
          { key: "rmse", value: rmse, step: 0, timestamp: start },
          { key: "accuracy", value: 1 - rmse / 2, step: 0, timestamp: start },
          { key: "loss", value: rmse * 2, step: 0, timestamp: start },
        ],
      });
      if (++done % 500 === 0) process.stdout.write(`  seeded ${from + done}/${RUNS} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return (performance.now() - started) / 1000;
}

/** Sequential timings of one search-runs request: the table's first page. */
async function searchLatency(url: string, headers: Record<string, string>, body: unknown) {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES + 2; i++) {
    const t = performance.now();
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    const json = (await res.json()) as { runs?: unknown[] };
    if (!res.ok || !json.runs?.length) throw new Error(`search → ${res.status}, ${json.runs?.length ?? 0} runs`);
    if (i >= 2) times.push(performance.now() - t); // the first two warm caches and connections
  }
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

/**
 * Opens the runs table LOADS times in a signed-in Chromium; each time reads, from the
 * page's own clock, when the first run row appeared after navigation started.
 */
async function firstRowTimes(query: string) {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => {
      const w = window as unknown as { __firstRow?: number };
      new MutationObserver((_, obs) => {
        if (document.querySelector("table[aria-label='Runs'] tbody tr[data-run-id]")) {
          w.__firstRow = performance.now();
          obs.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    await signInAs(page, HUB, "bob", "mlflow-hub-demo");
    const experiment = await experimentId();
    const url = `${HUB}/projects/${PROJECT}/experiments/${experiment}${query}`;
    const times: number[] = [];
    for (let i = 0; i < LOADS + 1; i++) {
      await page.goto(url);
      await page.locator("table[aria-label='Runs'] tbody tr[data-run-id]").first().waitFor({ timeout: 120_000 });
      const t = await page.evaluate(() => (window as unknown as { __firstRow: number }).__firstRow);
      if (i > 0) times.push(t); // the first load also compiles the page on a dev server
    }
    return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: Math.max(...times) };
  } finally {
    await browser.close();
  }
}

async function main() {
  const experiment = await experimentId();
  const have = await countRuns(experiment);
  let seedSeconds: number | undefined;
  if (have < RUNS) {
    console.log(`seeding ${RUNS - have} runs into "${EXPERIMENT}" (experiment ${experiment}; ${have} already there)…`);
    seedSeconds = await seed(experiment, have);
  }
  const total = await countRuns(experiment);
  console.log(`experiment ${experiment} holds ${total} runs`);

  const byStart = { experiment_ids: [experiment], max_results: 25, order_by: ["attributes.start_time DESC"] };
  const byMetric = { ...byStart, order_by: ["metrics.`rmse` ASC"] };
  const filtered = { ...byStart, filter: "metrics.rmse < 0.5 and params.model = 'unet'" };
  const direct = { "x-mlflow-workspace": `gitlab-${PROJECT_ID}` };
  const rows: [string, { p50: number; p95: number }, { p50: number; p95: number }][] = [];
  for (const [label, body] of [
    ["newest first (the table's default)", byStart],
    ["sorted by metric rmse", byMetric],
    ["filter metrics.rmse < 0.5 and params.model = 'unet'", filtered],
  ] as const) {
    rows.push([label, await searchLatency(`${MLFLOW}/api/2.0/mlflow/runs/search`, direct, body), await searchLatency(`${gatewayApi}/runs/search`, auth, body)]);
  }
  const pageDefault = await firstRowTimes("");
  const pageSorted = await firstRowTimes("?sort=m.rmse&desc=0&cols=m.rmse,p.alpha");

  // A dev server's pages carry its hot-reload client; its numbers are not a production hub's.
  const hubMode = /react-refresh|webpack-hmr|turbopack-hmr|hmr/.test(await (await fetch(`${HUB}/signin`)).text()) ? "next dev (hot reload; slower than a build)" : "production build";
  const lines = [
    "",
    `## Runs table: ${total.toLocaleString("en")} runs in one experiment (bench/runs-table.ts)`,
    "",
    `${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model.split(" ").slice(0, 2).join(" ")}, hub ${hubMode}. One experiment in project ${PROJECT_ID} with`,
    `${total.toLocaleString("en")} runs (3 params, 3 metrics each)${seedSeconds ? `, seeded through the gateway in ${seedSeconds.toFixed(0)} s (${CONCURRENCY} clients, runs/create + log-batch)` : ""}.`,
    "The table fetches one page (25 runs) from MLflow, sorted and filtered by MLflow; search-runs",
    `latency is ${SAMPLES} sequential requests after two warm-ups; page loads are ${LOADS} navigations in a signed-in`,
    "Chromium after one warm-up, timed by the page's own clock from navigation start to the first row in the DOM.",
    "",
    "| first page of 25 runs | MLflow direct (p50 / p95) | through the hub (p50 / p95) |",
    "| --- | --- | --- |",
    ...rows.map(([label, d, h]) => `| search-runs, ${label} | ${ms(d.p50)} / ${ms(d.p95)} | ${ms(h.p50)} / ${ms(h.p95)} |`),
    `| page: navigation → first row, default order | | ${ms(pageDefault.p50)} / ${ms(pageDefault.p95)} (max ${ms(pageDefault.max)}) |`,
    `| page: navigation → first row, sorted by rmse with 2 data columns | | ${ms(pageSorted.p50)} / ${ms(pageSorted.p95)} (max ${ms(pageSorted.max)}) |`,
    "",
  ];
  console.log(lines.join("\n"));
  if (process.argv.includes("--write")) {
    // Append only: other sections of this file are written by other benchmarks.
    fs.appendFileSync(path.join(REPO_ROOT, "docs", "benchmarks.md"), lines.join("\n"));
    console.log("appended to docs/benchmarks.md");
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
