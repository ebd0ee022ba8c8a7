import * as Minio from "minio";
import { StoreRefusal, type DirectStore, type UploadedPart } from "../gateway/transfers";

/**
 * How long a presigned URL works. Every part URL of an upload is signed when the
 * upload starts, so the whole file must arrive within it: 4 hours carry 18 GB over
 * a 10 Mbit/s uplink. (A download's client asks for a fresh URL when chunks fail, so
 * downloads would outlast it anyway.) Well under SigV4's 7-day limit, so a leaked
 * URL opens one object for hours, not days.
 */
export const PRESIGNED_URL_TTL_SECONDS = 4 * 60 * 60;

export interface DirectStoreOptions {
  /** The store as the hub reaches it (S3_ENDPOINT): uploads are created, completed and aborted there. */
  internalUrl: string;
  /** The store as clients reach it (S3_PUBLIC_URL): the host every presigned URL names. */
  publicUrl: string;
  bucket: string;
  /** Given, so presigning asks the store nothing (minio-js would look up the bucket's region). */
  region: string;
  accessKey: string;
  secretKey: string;
}

function client(endpoint: string, o: DirectStoreOptions): Minio.Client {
  const u = new URL(endpoint);
  return new Minio.Client({
    endPoint: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: u.port ? Number(u.port) : undefined,
    useSSL: u.protocol === "https:",
    accessKey: o.accessKey,
    secretKey: o.secretKey,
    region: o.region,
  });
}

const codeOf = (e: unknown) => (e as { code?: unknown })?.code;

/** The store's refusals the gateway explains; anything else is "unreachable" to it. */
function refusalOf(e: unknown): unknown {
  const code = codeOf(e);
  if (code === "NoSuchUpload") return new StoreRefusal("no-such-upload");
  if (code === "InvalidPart" || code === "InvalidPartOrder" || code === "EntityTooSmall") return new StoreRefusal("invalid-parts");
  return e;
}

/** `attachment`, so a browser saves the file instead of rendering it on the store's origin (RFC 6266, RFC 8187 name). */
export function attachment(key: string): string {
  const name = key.slice(key.lastIndexOf("/") + 1);
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename*=UTF-8''${encoded}`;
}

/** The artifact bucket, with URLs signed for clients' endpoint and everything else done through the hub's. */
export function createDirectStore(o: DirectStoreOptions): DirectStore {
  const internal = client(o.internalUrl, o);
  const signer = client(o.publicUrl, o);
  const ttl = PRESIGNED_URL_TTL_SECONDS;
  return {
    async size(key) {
      try {
        return (await internal.statObject(o.bucket, key)).size;
      } catch (e) {
        if (codeOf(e) === "NotFound" || codeOf(e) === "NoSuchKey") return undefined;
        throw e;
      }
    },
    presignDownload: (key) => signer.presignedUrl("GET", o.bucket, key, ttl, { "response-content-disposition": attachment(key) }),
    createUpload: (key) => internal.initiateNewMultipartUpload(o.bucket, key, {}),
    presignPart: (key, uploadId, partNumber) => signer.presignedUrl("PUT", o.bucket, key, ttl, { partNumber: String(partNumber), uploadId }),
    async completeUpload(key, uploadId, parts: readonly UploadedPart[]) {
      await internal.completeMultipartUpload(o.bucket, key, uploadId, parts.map((p) => ({ part: p.partNumber, etag: p.etag }))).catch((e: unknown) => {
        throw refusalOf(e);
      });
    },
    async abortUpload(key, uploadId) {
      await internal.abortMultipartUpload(o.bucket, key, uploadId).catch((e: unknown) => {
        throw refusalOf(e);
      });
    },
  };
}
