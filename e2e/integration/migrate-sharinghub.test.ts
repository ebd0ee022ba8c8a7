// `mlflow-hub migrate-sharinghub` against real SharingHub-shaped sources: MLflow 2.14's
// own server (its virtualenv) logs into SQLite + a local artifact folder, and into
// Postgres + an S3 bucket; the migration moves them into a running stack; the stock
// MLflow 3.17 client reads everything back through the gateway (sharinghub/check_hub.py).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import * as Minio from "minio";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { PORT_OFFSETS } from "../../infra/local/ports.ts";
import { startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";
import { ensureMlflowVenv, ensureSdkVenv, ensureSharingHubVenv } from "../../infra/local/tools.ts";
import { mlflow as hubCall } from "../shared/project-data.ts";

// A stack of its own: the migration writes into its databases and bucket.
const OFFSET = PORT_OFFSETS.migrateSharinghub;
const STATE = path.join(REPO_ROOT, ".local", "test-migrate-sharinghub");
const HERE = path.join(REPO_ROOT, "e2e", "integration", "sharinghub");
const FLOOD = "ml-team/flood-detection";
const SEGMENTATION = "ml-team/vision/segmentation";
const SOURCE_BUCKET = "sharinghub-source";
// The GitLab stand-in's demo tokens (infra/gitlab-dev/fixtures/demo.yaml): Alice owns both projects, Dave reads only segmentation.
const TOKENS = { alice: "glpat-alice-demo", dave: "glpat-dave-demo" } as const;

let stack: Stack;
let work: string;
let venvs: { sharinghub: string; sdk: string; mlflow: string };

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Promise<Run> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const cliEnv = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...stack.env, MLFLOW_HUB_PYTHON: path.join(venvs.mlflow, "bin", "python") });

function startCli(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [path.join(REPO_ROOT, "bin", "mlflow-hub.mjs"), "migrate-sharinghub", ...args], {
    cwd: os.tmpdir(),
    env: { ...cliEnv(), ...extraEnv } as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const migrate = (args: string[], extraEnv?: Record<string, string>) => collect(startCli(args, extraEnv));

function python(venv: string, script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return collect(spawn(path.join(venv, "bin", "python"), [path.join(HERE, script), ...args], { env: { ...process.env, ...env, MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true" }, stdio: ["ignore", "pipe", "pipe"] }));
}

/** A SharingHub deployment built by MLflow 2.14's own server; what it logged, read back by 2.14's client. */
async function buildSource(o: { backendStoreUri: string; destination: string; variant: string; env?: Record<string, string> }): Promise<any> {
  const expected = path.join(work, `expected-${o.variant}.json`);
  const r = await python(venvs.sharinghub, "build_source.py", ["--backend-store-uri", o.backendStoreUri, "--artifacts-destination", o.destination, "--expected", expected, "--variant", o.variant, "--log", path.join(work, `source-${o.variant}.log`)], o.env);
  expect(r.code, r.stderr.slice(-3000)).toBe(0);
  return JSON.parse(fs.readFileSync(expected, "utf8"));
}

/** Where the plan sends each experiment and model, for the checker. */
function mappingOf(report: any) {
  const experiments: Record<string, unknown> = {};
  const models: Record<string, unknown> = {};
  for (const p of report.plan.projects) {
    for (const e of p.experiments) experiments[e.sourceId] = { project: p.path, id: p.id, name: e.name };
    for (const m of p.models) models[m.sourceName] = { project: p.path, id: p.id, name: m.name };
  }
  return { experiments, models };
}

async function check(report: any, variant: string): Promise<{ counts: Record<string, number>; predicted: number[] }> {
  const mapping = path.join(work, `mapping-${variant}.json`);
  fs.writeFileSync(mapping, JSON.stringify(mappingOf(report)));
  const r = await python(venvs.sdk, "check_hub.py", ["--hub", stack.env.AUTH_URL, "--expected", path.join(work, `expected-${variant}.json`), "--mapping", mapping, "--token", TOKENS.alice, "--outsider-token", TOKENS.dave]);
  expect(r.code, r.stderr.slice(-4000)).toBe(0);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/** What the plan says it moves, summed. */
function planned(report: any) {
  const experiments = report.plan.projects.flatMap((p: any) => p.experiments);
  const models = report.plan.projects.flatMap((p: any) => p.models);
  const artifacts = Object.values(report.artifacts) as { files: number; bytes: number }[];
  return {
    experiments: experiments.length,
    runs: experiments.reduce((n: number, e: any) => n + e.runs, 0),
    models: models.length,
    versions: models.reduce((n: number, m: any) => n + m.versions, 0),
    files: artifacts.reduce((n, a) => n + a.files, 0),
    bytes: artifacts.reduce((n, a) => n + a.bytes, 0),
  };
}

/** The plan without what only the real run learns (the experiments' new ids). */
const shape = (report: any) => ({ projects: report.plan.projects.map((p: any) => ({ ...p, experiments: p.experiments.map((e: any) => ({ ...e, targetId: null })) })), unowned: report.plan.unowned, artifacts: report.artifacts });

function json(r: Run): any {
  expect(r.code, `exit ${r.code}: ${r.stderr.slice(-3000)}`).toBe(0);
  return JSON.parse(r.stdout);
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Everything the hub's MLflow holds in project workspaces: a refusal must leave it as it was. */
const hubRows = () =>
  sql(
    stack.env.MLFLOW_DATABASE_URL,
    `select (select count(*) from experiments where workspace like 'gitlab-%')::int as experiments, (select count(*) from runs)::int as runs,
            (select count(*) from registered_models where workspace like 'gitlab-%')::int as models, (select count(*) from metrics)::int as metrics`,
  );

function bucket() {
  const u = new URL(stack.env.S3_ENDPOINT);
  return new Minio.Client({ endPoint: u.hostname, port: Number(u.port), useSSL: false, accessKey: stack.env.S3_ACCESS_KEY, secretKey: stack.env.S3_SECRET_KEY });
}

async function keys(bucketName: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const o of bucket().listObjectsV2(bucketName, prefix, true) as AsyncIterable<Minio.BucketItem>) if (o.name) out.push(o.name);
  return out;
}

/** SHA-256 of every file under a folder, by relative path: proof a source was not modified. */
function treeHash(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

/** A copy of a SQLite source changed by one SQL statement (Python's sqlite3: Node 20 has none). */
async function alteredCopy(db: string, name: string, statement: string): Promise<string> {
  const copy = path.join(work, name);
  fs.copyFileSync(db, copy);
  const r = await collect(spawn(path.join(venvs.sharinghub, "bin", "python"), ["-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", copy, statement], { stdio: ["ignore", "pipe", "pipe"] }));
  expect(r.code, r.stderr).toBe(0);
  return copy;
}

beforeAll(async () => {
  fs.rmSync(STATE, { recursive: true, force: true });
  work = fs.mkdtempSync(path.join(os.tmpdir(), "migrate-sharinghub-"));
  const [sharinghub, sdk, mlflow] = await Promise.all([ensureSharingHubVenv(), ensureSdkVenv(), ensureMlflowVenv()]);
  venvs = { sharinghub, sdk, mlflow };
  stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "prod" });
}, 900_000);
afterAll(async () => {
  await stopStackAt(STATE);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe("mlflow-hub migrate-sharinghub", () => {
  let liteDb: string;
  let liteArtifacts: string;

  it("moves a SQLite + local-folder deployment into its projects as the dry run planned, and a second run moves nothing", async () => {
    liteDb = path.join(work, "lite", "mlflow.db");
    liteArtifacts = path.join(work, "lite", "mlartifacts");
    fs.mkdirSync(path.dirname(liteDb), { recursive: true });
    const expected = await buildSource({ backendStoreUri: `sqlite:///${liteDb}`, destination: liteArtifacts, variant: "lite" });
    const sourceBefore = { db: treeHash(path.dirname(liteDb)) };
    const args = [liteDb, "--artifacts", liteArtifacts, "--json"];

    const t0 = Date.now();
    const dry = json(await migrate([...args, "--dry-run"]));
    const dryMs = Date.now() - t0;
    expect(dry.dryRun).toBe(true);
    expect(dry.source).toMatchObject({ revision: "5b0e9adcef9c", schema: "MLflow 2.14" });
    // The renamed project maps by the id in the names; the path-only experiment through GitLab; nobody's are listed.
    expect(dry.plan.projects.map((p: any) => [p.id, p.path, p.workspace, p.experiments.map((e: any) => e.name).sort(), p.models.map((m: any) => m.name)])).toEqual([
      [101, FLOOD, "gitlab-101", ["flood-lite (101)"], ["flood-model-lite (101)"]],
      [102, SEGMENTATION, "gitlab-102", ["baseline-lite", "segmentation-lite (102)"], ["seg-model-lite (102)"]],
    ]);
    expect(dry.plan.unowned).toEqual({ experiments: [{ id: "0", name: "Default", runs: 1 }, { id: "4", name: "stray-lite", runs: 1 }], models: [{ name: "orphan-model-lite", versions: 0 }] });
    expect(await hubRows()).toEqual([{ experiments: 0, runs: 0, models: 0, metrics: 0 }]);
    expect(await keys(stack.env.S3_BUCKET, "workspaces/")).toEqual([]);
    const plannedCounts = planned(dry);
    expect(plannedCounts).toMatchObject({ experiments: 3, runs: 7, models: 2, versions: 3 });

    const backups = path.join(work, "backups");
    const t1 = Date.now();
    const real = json(await migrate([...args, "--backup-dir", backups]));
    const realMs = Date.now() - t1;
    expect(shape(real)).toEqual(shape(dry));
    expect(fs.readdirSync(backups).filter((d) => d.startsWith("mlflow-hub-backup-"))).toHaveLength(1);
    expect(real.result).toMatchObject({ copiedFiles: plannedCounts.files, copiedBytes: plannedCounts.bytes, skippedFiles: 0 });
    expect(real.result.rows).toMatchObject({ experiments: 3, runs: plannedCounts.runs, registered_models: 2, model_versions: 3, registered_model_aliases: 2 });

    const seen = await check(real, "lite");
    expect(seen.counts).toMatchObject({ experiments: 3, runs: plannedCounts.runs, artifacts: plannedCounts.files, artifact_bytes: plannedCounts.bytes, models: 2, versions: 3, aliases: 2 });
    expect(seen.predicted).toEqual(expected.predict.output);
    expect(treeHash(path.dirname(liteDb))).toEqual(sourceBefore.db);

    const again = json(await migrate([...args, "--backup-dir", backups]));
    expect(again.nothingToDo).toBe(true);
    expect(again.result).toBeUndefined();
    expect(again.plan.projects.flatMap((p: any) => [...p.experiments, ...p.models]).every((i: any) => i.state === "migrated")).toBe(true);
    expect(fs.readdirSync(backups).filter((d) => d.startsWith("mlflow-hub-backup-"))).toHaveLength(1);
    const text = await migrate([liteDb, "--artifacts", liteArtifacts, "--backup-dir", backups]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("nothing to move: everything in this source was migrated already");
    console.log(`[migrate-sharinghub] SQLite source, ${plannedCounts.runs} runs, ${plannedCounts.files} files (${plannedCounts.bytes} bytes): dry run ${(dryMs / 1000).toFixed(1)} s, migration ${(realMs / 1000).toFixed(1)} s (backup included)`);
  }, 600_000);

  it("refuses an unknown schema version, an id GitLab does not know, a name taken in the project and unreadable artifacts, changing nothing", async () => {
    const backups = path.join(work, "refused-backups");
    await hubCall({ origin: new URL(stack.env.AUTH_URL).origin, token: TOKENS.alice }, FLOOD, "POST", "experiments/create", { name: "clash (101)" });
    const before = await hubRows();
    const refusals: [string, string, string][] = [
      [await alteredCopy(liteDb, "newer.db", "update alembic_version set version_num = 'ffffffffffff'"), liteArtifacts, "schema revision ffffffffffff, which this migrator does not read"],
      [await alteredCopy(liteDb, "ghost.db", "update experiments set name = 'ghost (999)' where name = 'stray-lite'"), liteArtifacts, "GitLab project id 999, which GitLab does not know"],
      [await alteredCopy(liteDb, "clash.db", "update experiments set name = 'clash (101)' where name = 'stray-lite'"), liteArtifacts, 'gitlab-101 already has an experiment "clash (101)", which this migration did not write'],
      // The artifact root is a file, not a folder: nothing under it can be read.
      [await alteredCopy(liteDb, "unreadable.db", "update experiments set name = 'unreadable (102)' where name = 'stray-lite'"), liteDb, "cannot read the artifact folder"],
    ];
    for (const [db, artifacts, message] of refusals) {
      const r = await migrate([db, "--artifacts", artifacts, "--backup-dir", backups]);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toContain("refused, nothing was changed");
      expect(r.stderr).toContain(message);
    }
    expect(await hubRows()).toEqual(before);
    expect(fs.existsSync(backups)).toBe(false);
  }, 600_000);

  it("moves a Postgres + S3 deployment with --strip-suffix, resuming a migration killed halfway through the artifact copy", async () => {
    const admin = stack.env.POSTGRES_ADMIN_URL;
    await sql(admin, "create database sharinghub");
    const sourceUrl = Object.assign(new URL(admin), { pathname: "/sharinghub" }).toString();
    await bucket().makeBucket(SOURCE_BUCKET);
    const s3 = { MLFLOW_S3_ENDPOINT_URL: stack.env.S3_ENDPOINT, AWS_ACCESS_KEY_ID: stack.env.S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY: stack.env.S3_SECRET_KEY, AWS_DEFAULT_REGION: "us-east-1" };
    const expected = await buildSource({ backendStoreUri: sourceUrl.replace(/^postgresql:/, "postgresql+psycopg2:"), destination: `s3://${SOURCE_BUCKET}/mlartifacts`, variant: "pg", env: { ...s3, SOURCE_BIG_MB: "96" } });
    const sourceKeys = await keys(SOURCE_BUCKET);
    // Taken in the segmentation project already: that model keeps its suffix.
    await hubCall({ origin: new URL(stack.env.AUTH_URL).origin, token: TOKENS.alice }, SEGMENTATION, "POST", "registered-models/create", { name: "seg-model-pg" });

    const sourceEnv = { SHARINGHUB_S3_ACCESS_KEY: stack.env.S3_ACCESS_KEY, SHARINGHUB_S3_SECRET_KEY: stack.env.S3_SECRET_KEY };
    const args = [sourceUrl, "--artifacts", `s3://${SOURCE_BUCKET}/mlartifacts`, "--source-s3-endpoint", stack.env.S3_ENDPOINT, "--strip-suffix", "--backup-dir", path.join(work, "pg-backups"), "--json"];
    const dry = json(await migrate([...args, "--dry-run"], sourceEnv));
    expect(dry.plan.projects.map((p: any) => [p.id, p.experiments.map((e: any) => e.name).sort(), p.models.map((m: any) => m.name)])).toEqual([
      [101, ["flood-pg"], ["flood-model-pg"]],
      [102, ["baseline-pg", "segmentation-pg"], ["seg-model-pg (102)"]],
    ]);
    const plannedCounts = planned(dry);

    // Killed as soon as the first artifacts land, while the large one is still on its way.
    const child = startCli(args, sourceEnv);
    const done = collect(child);
    const existing = new Set(await keys(stack.env.S3_BUCKET, "workspaces/"));
    for (let i = 0; i < 6000 && child.exitCode === null; i++) {
      if ((await keys(stack.env.S3_BUCKET, "workspaces/")).some((k) => !existing.has(k))) break;
      await sleep(20);
    }
    child.kill("SIGKILL");
    await done;
    const landed = (await keys(stack.env.S3_BUCKET, "workspaces/")).filter((k) => !existing.has(k));
    expect(landed.length).toBeGreaterThan(0);
    expect(landed.length).toBeLessThan(plannedCounts.files);

    const resumed = json(await migrate(args, sourceEnv));
    expect(resumed.plan.projects.flatMap((p: any) => [...p.experiments, ...p.models]).every((i: any) => i.state === "migrated")).toBe(true);
    expect(resumed.result.copiedFiles + resumed.result.skippedFiles).toBe(plannedCounts.files);
    expect(resumed.result.skippedFiles).toBe(landed.length);
    expect(resumed.result.experiments).toEqual([]);

    const seen = await check(resumed, "pg");
    expect(seen.counts).toMatchObject({ experiments: 3, runs: plannedCounts.runs, artifacts: plannedCounts.files, artifact_bytes: plannedCounts.bytes, models: 2, versions: 3 });
    expect(seen.predicted).toEqual(expected.predict.output);
    expect(await keys(SOURCE_BUCKET)).toEqual(sourceKeys);
    expect(json(await migrate(args, sourceEnv)).nothingToDo).toBe(true);
  }, 900_000);
});
