import "server-only";
import * as Minio from "minio";
import { config } from "@/lib/config";

export interface StorageUse {
  bytes: number;
  objects: number;
  /** The newest object's time, or null when there is none. */
  lastModified: Date | null;
}

let client: Minio.Client | undefined;

function bucketClient(): Minio.Client {
  if (!client) {
    const c = config();
    const url = new URL(c.S3_ENDPOINT);
    client = new Minio.Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      useSSL: url.protocol === "https:",
      accessKey: c.S3_ACCESS_KEY,
      secretKey: c.S3_SECRET_KEY,
      region: c.S3_REGION,
    });
  }
  return client;
}

/** Adds up every object under the prefixes (the bucket listing, 1,000 keys per request). */
export async function storageUse(prefixes: readonly string[]): Promise<StorageUse> {
  const use: StorageUse = { bytes: 0, objects: 0, lastModified: null };
  const bucket = config().S3_BUCKET;
  for (const prefix of prefixes) {
    for await (const item of bucketClient().listObjectsV2(bucket, prefix, true) as AsyncIterable<Minio.BucketItem>) {
      if (!item.name) continue;
      use.bytes += item.size ?? 0;
      use.objects += 1;
      if (item.lastModified && (!use.lastModified || item.lastModified > use.lastModified)) use.lastModified = item.lastModified;
    }
  }
  return use;
}
