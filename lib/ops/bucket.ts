import * as Minio from "minio";
import { config } from "@/lib/config";

/** The artifact store (MinIO, or any S3 endpoint) with the hub's keys. */
export function bucketClient(): Minio.Client {
  const c = config();
  const url = new URL(c.S3_ENDPOINT);
  return new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    useSSL: url.protocol === "https:",
    accessKey: c.S3_ACCESS_KEY,
    secretKey: c.S3_SECRET_KEY,
    region: c.S3_REGION,
  });
}

export interface BucketObject {
  name: string;
  size: number;
}

/** Every object under a prefix (the whole bucket by default), in key order. */
export async function listObjects(prefix = "", bucket = config().S3_BUCKET): Promise<BucketObject[]> {
  const out: BucketObject[] = [];
  for await (const o of bucketClient().listObjectsV2(bucket, prefix, true) as AsyncIterable<Minio.BucketItem>) {
    if (o.name) out.push({ name: o.name, size: o.size });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
