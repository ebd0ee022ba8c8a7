// SharingHub's artifact store (a local folder or an S3 prefix, laid out as
// <root>/<experiment id>/<run id>/artifacts/…) read file by file, and copied into
// the hub's bucket under workspaces/gitlab-<id>/<experiment id>/… — streamed, each
// copy checked, what is already there skipped (a rerun resumes an interrupted copy).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { PassThrough, Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as Minio from "minio";

export class ArtifactError extends Error {
  override name = "ArtifactError";
}

export interface SourceFile {
  /** Relative to the artifact root, `/`-separated. */
  key: string;
  size: number;
}

export interface ArtifactSource {
  /** How the root is shown to people. */
  readonly description: string;
  /** The folder of an artifact location under the root (`mlflow-artifacts:/3` → `3`); null when it lies elsewhere. */
  dirOf(location: string): string | null;
  list(dir: string): Promise<SourceFile[]>;
  open(key: string): Promise<Readable>;
}

export interface S3Settings {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

/** `mlflow-artifacts:/<dir>` (SharingHub's served artifacts) or a location spelled with the root itself. */
function relativeTo(location: string, roots: string[]): string | null {
  const loc = location.replace(/\/+$/, "");
  const served = /^mlflow-artifacts:\/{1,3}(.*)$/.exec(loc);
  if (served) return served[1].replace(/^\/+/, "") || null;
  for (const root of roots) {
    const r = root.replace(/\/+$/, "");
    if (loc.startsWith(`${r}/`)) return loc.slice(r.length + 1);
  }
  return null;
}

const safeDir = (dir: string) => dir !== "" && !dir.split("/").some((s) => s === ".." || s === ".");

export function localSource(root: string): ArtifactSource {
  const abs = path.resolve(root);
  return {
    description: abs,
    dirOf: (location) => {
      const dir = relativeTo(location, [abs, `file://${abs}`]);
      return dir !== null && safeDir(dir) ? dir : null;
    },
    async list(dir) {
      const out: SourceFile[] = [];
      const start = path.join(abs, ...dir.split("/"));
      const walk = (d: string) => {
        let entries: fs.Dirent[];
        try {
          entries = fs.readdirSync(d, { withFileTypes: true });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === "ENOENT" && d === start) return;
          throw new ArtifactError(`cannot read the artifact folder ${d}: ${(e as Error).message}`);
        }
        for (const entry of entries) {
          const full = path.join(d, entry.name);
          if (entry.isDirectory()) walk(full);
          else if (entry.isFile()) {
            try {
              fs.accessSync(full, fs.constants.R_OK);
            } catch {
              throw new ArtifactError(`cannot read the artifact ${full}`);
            }
            out.push({ key: path.relative(abs, full).split(path.sep).join("/"), size: fs.statSync(full).size });
          } else throw new ArtifactError(`${full} is neither a file nor a folder: refusing to guess what it holds`);
        }
      };
      walk(start);
      return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    open: async (key) => fs.createReadStream(path.join(abs, ...key.split("/"))),
  };
}

export function minioClient(s: S3Settings): Minio.Client {
  const url = new URL(s.endpoint);
  return new Minio.Client({ endPoint: url.hostname, port: url.port ? Number(url.port) : undefined, useSSL: url.protocol === "https:", accessKey: s.accessKey, secretKey: s.secretKey, region: s.region });
}

/** `s3://bucket/prefix` read with its own endpoint and keys (SharingHub's, not the hub's). */
export function s3Source(rootUrl: string, settings: S3Settings): ArtifactSource {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(rootUrl.replace(/\/+$/, ""));
  if (!m) throw new ArtifactError(`${rootUrl} is not an s3://bucket/prefix URL`);
  const [, bucket, prefix] = m;
  const client = minioClient(settings);
  const keyOf = (k: string) => (prefix ? `${prefix}/${k}` : k);
  return {
    description: rootUrl,
    dirOf: (location) => {
      const dir = relativeTo(location, [`s3://${bucket}${prefix ? `/${prefix}` : ""}`]);
      return dir !== null && safeDir(dir) ? dir : null;
    },
    async list(dir) {
      const out: SourceFile[] = [];
      try {
        for await (const o of client.listObjectsV2(bucket, `${keyOf(dir)}/`, true) as AsyncIterable<Minio.BucketItem>) {
          if (o.name && !o.name.endsWith("/")) out.push({ key: prefix ? o.name.slice(prefix.length + 1) : o.name, size: o.size });
        }
      } catch (e) {
        throw new ArtifactError(`cannot list s3://${bucket}/${keyOf(dir)}/: ${(e as Error).message}`);
      }
      return out.sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    open: (key) => client.getObject(bucket, keyOf(key)),
  };
}

export interface CopyItem {
  source: SourceFile;
  /** Key in the hub's bucket. */
  target: string;
}

export interface CopyResult {
  copied: number;
  copiedBytes: number;
  skipped: number;
}

/** Size of an object of the hub's bucket, or null when it is not there. */
async function sizeIn(client: Minio.Client, bucket: string, key: string): Promise<number | null> {
  try {
    return (await client.statObject(bucket, key)).size;
  } catch (e) {
    if ((e as { code?: string }).code === "NotFound" || (e as { code?: string }).code === "NoSuchKey") return null;
    throw e;
  }
}

/** Which items are not in the bucket yet (an object exists only once its upload completed: a PUT is atomic). */
export async function missing(client: Minio.Client, bucket: string, items: CopyItem[], parallel = 8): Promise<CopyItem[]> {
  const absent: CopyItem[] = [];
  await inParallel(items, parallel, async (i) => {
    if ((await sizeIn(client, bucket, i.target)) !== i.source.size) absent.push(i);
  });
  return absent;
}

/**
 * Streams each item into the bucket (memory bounded by the client's part size,
 * whatever the file's size), then checks what landed: its size, and for a
 * single-part upload its ETag against the MD5 of the bytes read.
 */
export async function copyAll(source: ArtifactSource, client: Minio.Client, bucket: string, items: CopyItem[], onCopied: (i: CopyItem) => void = () => {}, parallel = 4): Promise<CopyResult> {
  const result: CopyResult = { copied: 0, copiedBytes: 0, skipped: 0 };
  const todo = await missing(client, bucket, items);
  result.skipped = items.length - todo.length;
  await inParallel(todo, parallel, async (i) => {
    const md5 = createHash("md5");
    let read = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        read += chunk.length;
        done(null, chunk);
      },
    });
    const body = new PassThrough();
    let stream: Readable;
    try {
      stream = await source.open(i.source.key);
    } catch (e) {
      throw new ArtifactError(`cannot read the artifact ${i.source.key} of ${source.description}: ${(e as Error).message}`);
    }
    const [, uploaded] = await Promise.all([pipeline(stream, tap, body), client.putObject(bucket, i.target, body, i.source.size)]);
    const digest = md5.digest("hex");
    const landed = await sizeIn(client, bucket, i.target);
    const etag = uploaded.etag?.replace(/"/g, "");
    if (read !== i.source.size || landed !== i.source.size || (etag && !etag.includes("-") && etag !== digest)) {
      throw new ArtifactError(`the copy of ${i.source.key} to ${i.target} does not match the source (${read} bytes read, ${landed ?? "no"} bytes stored, of ${i.source.size})`);
    }
    result.copied++;
    result.copiedBytes += i.source.size;
    onCopied(i);
  });
  return result;
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
