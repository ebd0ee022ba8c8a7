// Backup and restore of the whole appliance: both databases (pg_dump) and the
// artifact bucket (every object, with its checksum), in one directory.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PassThrough, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { config } from "@/lib/config";
import { bucketClient, listObjects } from "./bucket";
import { runPostgresTool } from "./postgres-tools";

export const MANIFEST = "manifest.json";
const FORMAT = "mlflow-hub-backup/1";
const PARALLEL_TRANSFERS = 8;

export interface DumpFile {
  file: string;
  bytes: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof FORMAT;
  createdAt: string;
  databases: { hub: DumpFile; mlflow: DumpFile };
  /** Every object of the bucket; each is stored under bucket/ at its key. */
  bucket: { name: string; bytes: number; objects: { key: string; size: number; sha256: string }[] };
}

export class BackupError extends Error {
  override name = "BackupError";
}

type Log = (message: string) => void;

function databases() {
  const c = config();
  if (!c.MLFLOW_DATABASE_URL) throw new BackupError("MLFLOW_DATABASE_URL is not set: a backup needs MLflow's database as well as the hub's");
  return { hub: c.DATABASE_URL, mlflow: c.MLFLOW_DATABASE_URL };
}

/** Where an object's copy lives; refuses keys that would land outside the backup. */
function objectFile(bucketDir: string, key: string): string {
  const file = path.resolve(bucketDir, ...key.split("/"));
  if (!file.startsWith(bucketDir + path.sep)) throw new BackupError(`object key ${JSON.stringify(key)} does not map to a file inside the backup`);
  return file;
}

const sha256Of = async (file: string) => {
  const hash = createHash("sha256");
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest("hex");
};

/** A pass-through stream that hashes what flows through it. */
function hashing() {
  const hash = createHash("sha256");
  const tap = new Transform({
    transform(chunk, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { tap, digest: () => hash.digest("hex") };
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");

/**
 * Writes `<parent>/mlflow-hub-backup-<UTC time>/`: hub.dump and mlflow.dump
 * (pg_dump's custom format), bucket/ with every object at its key, and
 * manifest.json listing each with its size and SHA-256. The databases are
 * dumped first, so every artifact they refer to is already in the bucket when
 * it is copied. Written under a `.partial` name and renamed once complete.
 */
export async function backup(parent: string, log: Log = () => {}): Promise<{ dir: string; manifest: BackupManifest }> {
  const urls = databases();
  const createdAt = new Date();
  const dir = path.resolve(parent, `mlflow-hub-backup-${stamp(createdAt)}`);
  const partial = `${dir}.partial`;
  if (fs.existsSync(dir)) throw new BackupError(`${dir} already exists`);
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });

  const dumps = {} as BackupManifest["databases"];
  for (const name of ["hub", "mlflow"] as const) {
    log(`dumping the ${name} database…`);
    const file = `${name}.dump`;
    await runPostgresTool("pg_dump", ["--format=custom", "--file", path.join(partial, file)], urls[name]);
    const full = path.join(partial, file);
    dumps[name] = { file, bytes: fs.statSync(full).size, sha256: await sha256Of(full) };
  }

  const bucket = config().S3_BUCKET;
  const client = bucketClient();
  const listed = await listObjects("", bucket);
  log(`copying ${listed.length} objects from bucket ${bucket}…`);
  const bucketDir = path.join(partial, "bucket");
  fs.mkdirSync(bucketDir);
  const objects: BackupManifest["bucket"]["objects"] = [];
  await inParallel(listed, PARALLEL_TRANSFERS, async (o) => {
    const { tap, digest } = hashing();
    if (o.name.endsWith("/")) {
      // A folder marker: no file can hold it beside the folder, the manifest alone does.
      objects.push({ key: o.name, size: 0, sha256: createHash("sha256").digest("hex") });
      return;
    }
    const file = objectFile(bucketDir, o.name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await pipeline(await client.getObject(bucket, o.name), tap, fs.createWriteStream(file));
    objects.push({ key: o.name, size: fs.statSync(file).size, sha256: digest() });
  });
  objects.sort((a, b) => (a.key < b.key ? -1 : 1));

  const manifest: BackupManifest = {
    format: FORMAT,
    createdAt: createdAt.toISOString(),
    databases: dumps,
    bucket: { name: bucket, bytes: objects.reduce((n, o) => n + o.size, 0), objects },
  };
  fs.writeFileSync(path.join(partial, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  fs.renameSync(partial, dir);
  return { dir, manifest };
}

export function readManifest(dir: string): BackupManifest {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) throw new BackupError(`${dir} is not a backup: it has no ${MANIFEST}`);
  const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as BackupManifest;
  if (manifest.format !== FORMAT) throw new BackupError(`${file} is of format ${JSON.stringify(manifest.format)}, this hub reads ${FORMAT}`);
  return manifest;
}

/** Rows in a table (one of a fixed few, named in this file); 0 when the table does not exist yet. */
async function count(url: string, table: "runs" | "registered_models" | "users"): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string | null }>("select to_regclass($1) as t", [table]);
    if (!rows[0].t) return 0;
    return (await client.query<{ n: number }>(`select count(*)::int as n from "${table}"`)).rows[0].n;
  } finally {
    await client.end();
  }
}

/** What the target already holds; a restore replaces all of it. */
export async function stackContents(): Promise<{ runs: number; registeredModels: number; users: number; objects: number }> {
  const urls = databases();
  const [runs, registeredModels, users, objects] = await Promise.all([
    count(urls.mlflow, "runs"),
    count(urls.mlflow, "registered_models"),
    count(urls.hub, "users"),
    listObjects().then((l) => l.length),
  ]);
  return { runs, registeredModels, users, objects };
}

/** Drops everything the database's owner owns in it, then loads the dump in one transaction. */
async function restoreDatabase(url: string, dump: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("drop owned by current_user");
  } finally {
    await client.end();
  }
  await runPostgresTool("pg_restore", ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", "--dbname", new URL(url).pathname.slice(1), dump], url);
}

/**
 * Restores a backup written by backup() into this stack: both databases and the
 * bucket are replaced by the backup's content. Refuses a stack that holds runs,
 * models, users or objects unless `force`. Checks every file against the
 * manifest before loading it and every object's count and size afterwards.
 */
export async function restore(dir: string, opts: { force?: boolean; log?: Log } = {}): Promise<BackupManifest> {
  const log = opts.log ?? (() => {});
  const manifest = readManifest(dir);
  const urls = databases();
  const bucketDir = path.resolve(dir, "bucket");
  for (const name of ["hub", "mlflow"] as const) {
    const d = manifest.databases[name];
    const file = path.join(dir, d.file);
    if (!fs.existsSync(file) || (await sha256Of(file)) !== d.sha256) throw new BackupError(`${file} is missing or differs from the manifest: the backup is damaged`);
  }
  if (!opts.force) {
    const held = await stackContents();
    if (Object.values(held).some((n) => n > 0)) {
      throw new BackupError(
        `this stack is not empty (${held.runs} runs, ${held.registeredModels} registered models, ${held.users} users, ${held.objects} objects): a restore replaces all of it; pass --force to overwrite`,
      );
    }
  }

  for (const name of ["hub", "mlflow"] as const) {
    log(`restoring the ${name} database…`);
    await restoreDatabase(urls[name], path.join(dir, manifest.databases[name].file));
  }

  const bucket = config().S3_BUCKET;
  const client = bucketClient();
  const stale = (await listObjects("", bucket)).map((o) => o.name);
  if (stale.length) {
    log(`emptying bucket ${bucket} (${stale.length} objects)…`);
    for (let i = 0; i < stale.length; i += 1000) await client.removeObjects(bucket, stale.slice(i, i + 1000));
  }
  log(`uploading ${manifest.bucket.objects.length} objects to bucket ${bucket}…`);
  const damaged: string[] = [];
  await inParallel(manifest.bucket.objects, PARALLEL_TRANSFERS, async (o) => {
    if (o.key.endsWith("/")) {
      await client.putObject(bucket, o.key, Buffer.alloc(0), 0);
      return;
    }
    const file = objectFile(bucketDir, o.key);
    const { tap, digest } = hashing();
    const body = new PassThrough();
    const read = pipeline(fs.createReadStream(file), tap, body);
    await Promise.all([read, client.putObject(bucket, o.key, body, o.size)]);
    if (digest() !== o.sha256) damaged.push(o.key);
  });
  if (damaged.length) throw new BackupError(`objects differ from the manifest (the backup is damaged): ${damaged.slice(0, 10).join(", ")}${damaged.length > 10 ? ", …" : ""}`);
  const restored = await listObjects("", bucket);
  const sizes = new Map(restored.map((o) => [o.name, o.size]));
  const missing = manifest.bucket.objects.filter((o) => sizes.get(o.key) !== o.size);
  if (missing.length || restored.length !== manifest.bucket.objects.length) {
    throw new BackupError(`the bucket does not match the backup after upload: ${missing.length} objects missing or of another size, ${restored.length} objects for ${manifest.bucket.objects.length} in the backup`);
  }
  return manifest;
}
