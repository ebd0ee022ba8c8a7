import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as Minio from "minio";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";
import { plant, sha256, snapshot, type Hub } from "../shared/project-data.ts";
import { FLOOD, SEGMENTATION, TOKENS } from "./conformance/hub.ts";

// A stack of its own: this test wipes its databases and bucket.
const OFFSET = 3600;
const STATE = path.join(REPO_ROOT, ".local", "test-backup");
const PROJECTS = [FLOOD, SEGMENTATION];
let stack: Stack;
let hub: Hub;

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
  hub = { origin: new URL(stack.env.AUTH_URL).origin, token: TOKENS.alice };
}, 900_000);
afterAll(() => stopStackAt(STATE));

describe("backup and restore", () => {
  it("brings back every run, metric, param, tag, model version and artifact byte after the stack is wiped, and the hub serves them", async () => {
    for (const p of PROJECTS) await plant(hub, p.path, `backup-${p.id}`);
    // Something in the hub's own database too: a garbage-collection record.
    await sql(stack.env.DATABASE_URL, "insert into gc_runs (trigger, older_than, status) values ('manual', '30d', 'succeeded')");
    const before = await snapshot(hub, PROJECTS.map((p) => p.path));
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
    expect(await snapshot(hub, PROJECTS.map((p) => p.path))).toEqual(before);
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
