import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as Minio from "minio";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";
import { FLOOD, must, SEGMENTATION, TOKENS, tracking } from "./conformance/hub.ts";

// A stack of its own: this test wipes its databases and bucket.
const OFFSET = 3600;
const STATE = path.join(REPO_ROOT, ".local", "test-backup");
const PROJECTS = [FLOOD, SEGMENTATION];
let stack: Stack;
let hub: URL;

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, ...stack.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, "bin", "mlflow-hub.mjs"), ...args], {
      cwd: os.tmpdir(),
      env: env as NodeJS.ProcessEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const as = (project: string, method: "GET" | "POST", rest: string, body?: unknown) =>
  must({ target: hub, method, path: `${tracking(project)}/api/2.0/mlflow/${rest}`, token: TOKENS.alice, body });

async function download(project: string, storagePath: string): Promise<Buffer> {
  const res = await fetch(`${hub.origin}${tracking(project)}/api/2.0/mlflow-artifacts/artifacts/${storagePath}`, { headers: { authorization: `Bearer ${TOKENS.alice}` } });
  if (!res.ok) throw new Error(`download ${storagePath}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** Experiments, runs with params, tags, metric histories and artifacts, and models of one project, in one project's data. */
async function plant(project: string, label: string) {
  const { experiment_id: experimentId } = await as(project, "POST", "experiments/create", { name: `${label}-experiment`, tags: [{ key: "purpose", value: label }] });
  for (const i of [0, 1]) {
    const run = await as(project, "POST", "runs/create", { experiment_id: experimentId, run_name: `${label}-run-${i}`, start_time: 1_700_000_000_000 + i, tags: [{ key: "variant", value: `v${i}` }] });
    const runId: string = run.run.info.run_id;
    await as(project, "POST", "runs/log-batch", {
      run_id: runId,
      params: [{ key: "lr", value: `0.0${i + 1}` }, { key: "layers", value: String(4 + i) }],
      metrics: Array.from({ length: 50 }, (_, step) => ({ key: "loss", value: 1 / (step + 1 + i), timestamp: 1_700_000_000_000 + step, step })).concat([{ key: "accuracy", value: 0.9 + i / 100, timestamp: 1_700_000_000_100, step: 0 }]),
    });
    const root = (run.run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
    const put = (file: string, body: Buffer | string) =>
      must({ target: hub, method: "PUT", path: `${tracking(project)}/api/2.0/mlflow-artifacts/artifacts/${root}/${file}`, token: TOKENS.alice, body, headers: { "content-type": "application/octet-stream" } });
    await put("notes.txt", `notes of ${label} ${i}\n`);
    await put("model/MLmodel", `artifact_path: model\nflavors: {}\n`);
    await put("model/weights.bin", randomBytes(i === 0 ? 16 * 1024 * 1024 : 256 * 1024));
    await as(project, "POST", "runs/update", { run_id: runId, status: "FINISHED", end_time: 1_700_000_100_000 });
    if (i === 0) {
      const model = `${label}-model`;
      await as(project, "POST", "registered-models/create", { name: model, tags: [{ key: "owner", value: "alice" }] });
      await as(project, "POST", "model-versions/create", { name: model, source: `mlflow-artifacts:/${root}/model`, run_id: runId, tags: [{ key: "validated", value: "yes" }] });
      await as(project, "POST", "registered-models/alias", { name: model, alias: "champion", version: "1" });
    }
  }
}

const byKey = <T extends { key: string }>(items: T[] = []) => [...items].sort((a, b) => a.key.localeCompare(b.key));

async function artifactTree(project: string, runId: string, root: string, dir = ""): Promise<Record<string, string>> {
  const q = new URLSearchParams({ run_id: runId, ...(dir ? { path: dir } : {}) });
  const { files = [] } = await as(project, "GET", `artifacts/list?${q}`);
  const out: Record<string, string> = {};
  for (const f of files as { path: string; is_dir: boolean }[]) {
    if (f.is_dir) Object.assign(out, await artifactTree(project, runId, root, f.path));
    else out[f.path] = sha256(await download(project, `${root}/${f.path}`));
  }
  return out;
}

/** Everything the hub serves for the projects: experiments, runs (params, tags, every metric's history, artifact bytes), models. */
async function snapshot() {
  const out: Record<string, unknown> = {};
  for (const p of PROJECTS) {
    const { experiments } = await as(p.path, "POST", "experiments/search", { max_results: 1000, view_type: "ALL" });
    const ids = (experiments as { experiment_id: string }[]).map((e) => e.experiment_id).sort();
    const { runs = [] } = await as(p.path, "POST", "runs/search", { experiment_ids: ids, max_results: 1000, run_view_type: "ALL" });
    const runViews = [];
    for (const r of runs as { info: { run_id: string; artifact_uri: string }; data: { params?: { key: string }[]; tags?: { key: string }[]; metrics?: { key: string }[] } }[]) {
      const histories: Record<string, unknown> = {};
      for (const m of byKey(r.data.metrics)) histories[m.key] = (await as(p.path, "GET", `metrics/get-history?run_id=${r.info.run_id}&metric_key=${m.key}`)).metrics;
      const root = r.info.artifact_uri.replace(/^mlflow-artifacts:\//, "");
      runViews.push({ info: r.info, params: byKey(r.data.params), tags: byKey(r.data.tags), histories, artifacts: await artifactTree(p.path, r.info.run_id, root) });
    }
    const { registered_models: models = [] } = await as(p.path, "GET", "registered-models/search?max_results=1000");
    const { model_versions: versions = [] } = await as(p.path, "GET", "model-versions/search?max_results=1000");
    out[p.path] = { experiments, runs: runViews.sort((a, b) => a.info.run_id.localeCompare(b.info.run_id)), models, versions };
  }
  return out;
}

function bucket() {
  const u = new URL(stack.env.S3_ENDPOINT);
  return new Minio.Client({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: stack.env.S3_ACCESS_KEY, secretKey: stack.env.S3_SECRET_KEY });
}

async function objects(): Promise<Record<string, string>> {
  const client = bucket();
  const out: Record<string, string> = {};
  for await (const o of client.listObjectsV2(stack.env.S3_BUCKET, "", true) as AsyncIterable<Minio.BucketItem>) {
    const chunks: Buffer[] = [];
    for await (const c of await client.getObject(stack.env.S3_BUCKET, o.name!)) chunks.push(c as Buffer);
    out[o.name!] = sha256(Buffer.concat(chunks));
  }
  return out;
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

/** Empties the stack as a lost disk would: both databases recreated empty, the bucket emptied. */
async function wipe() {
  const admin = stack.env.POSTGRES_ADMIN_URL;
  for (const name of ["hub", "mlflow"]) {
    await sql(admin, `drop database "${name}" with (force)`);
    await sql(admin, `create database "${name}" owner "${name}"`);
  }
  const names = Object.keys(await objects());
  if (names.length) await bucket().removeObjects(stack.env.S3_BUCKET, names);
}

// Longer than the suite's default: starting a stack builds the hub first when a source is newer than the build.
beforeAll(async () => {
  fs.rmSync(STATE, { recursive: true, force: true });
  stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "prod" });
  hub = new URL(stack.env.AUTH_URL);
}, 900_000);
afterAll(() => stopStackAt(STATE));

describe("backup and restore", () => {
  it("brings back every run, metric, param, tag, model version and artifact byte after the stack is wiped, and the hub serves them", async () => {
    for (const p of PROJECTS) await plant(p.path, `backup-${p.id}`);
    // Something in the hub's own database too: a garbage-collection record.
    await sql(stack.env.DATABASE_URL, "insert into gc_runs (trigger, older_than, status) values ('manual', '30d', 'succeeded')");
    const before = await snapshot();
    const objectsBefore = await objects();
    const hubRowsBefore = await sql(stack.env.DATABASE_URL, "select id, trigger, status from gc_runs order by id");

    const target = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-hub-backup-"));
    const backedUp = await cli(["backup", target]);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    const dir = /^backup written to (\S+) in/.exec(backedUp.stdout)![1];
    expect(path.basename(dir)).toMatch(/^mlflow-hub-backup-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    console.log(`[backup test] ${backedUp.stdout.trim()}`);

    // A restore replaces everything: it refuses a stack that holds data unless told to.
    const refused = await cli(["restore", dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("this stack is not empty");

    // As on a server: stop what uses the data, lose it, restore, start again.
    for (const name of ["hub", "mlflow-gc", "mlflow"]) await stack.stopOne(name);
    await wipe();
    expect(await sql(stack.env.DATABASE_URL, "select to_regclass('gc_runs') as t")).toEqual([{ t: null }]);
    expect(await sql(stack.env.MLFLOW_DATABASE_URL, "select to_regclass('runs') as t")).toEqual([{ t: null }]);
    expect(await objects()).toEqual({});

    const restored = await cli(["restore", dir]);
    expect(restored.code, restored.stderr).toBe(0);
    console.log(`[backup test] ${restored.stdout.trim()}`);
    for (const name of ["mlflow", "mlflow-gc", "hub"]) await stack.startOne(name);

    expect(await objects()).toEqual(objectsBefore);
    expect(await sql(stack.env.DATABASE_URL, "select id, trigger, status from gc_runs order by id")).toEqual(hubRowsBefore);
    expect(await snapshot()).toEqual(before);
    // Planting, two snapshots through the gateway, a 16 MiB artifact each way and restarting MLflow.
  }, 600_000);

  it("refuses a backup whose files were damaged, before touching the stack", async () => {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-hub-backup-"));
    const { stdout } = await cli(["backup", target]);
    const dir = /^backup written to (\S+) in/.exec(stdout)![1];
    fs.appendFileSync(path.join(dir, "mlflow.dump"), "tampered");
    const r = await cli(["restore", "--force", dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("mlflow.dump is missing or differs from the manifest");
    expect(Object.keys(await objects()).length).toBeGreaterThan(0);
  });
});
