import { artifactPathAllowed, storageKey, uploadKey } from "./artifact-paths";
import type { CheckContext, CheckOutcome } from "./checks";
import { readCredential } from "./credentials";
import { GatewayError, invalid, unavailable } from "./errors";
import { proxyListing, refuseOverwrite } from "./overwrite";

/**
 * Artifact transfers that skip the hub. MLflow's own presigned and multipart
 * routes hand out URLs of the store it reaches (the internal MinIO), which no
 * client outside can resolve; so by default server-info says they are off, the
 * routes answer why, and every byte goes through the artifact proxy's plain PUT
 * and GET. With the store's public endpoint configured (S3_PUBLIC_URL) the
 * gateway answers the presigned-download and multipart-upload routes itself,
 * for the caller's own workspace paths, after the route's usual decision.
 */

/** The store as the gateway drives it: presigned for clients' endpoint, the rest through its own. */
export interface DirectStore {
  /** The object's size; undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  presignDownload(key: string): Promise<string>;
  createUpload(key: string): Promise<string>;
  presignPart(key: string, uploadId: string, partNumber: number): Promise<string>;
  completeUpload(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void>;
  abortUpload(key: string, uploadId: string): Promise<void>;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** What the store refused; anything else it throws means it could not be reached. */
export class StoreRefusal extends Error {
  override name = "StoreRefusal";
  constructor(readonly kind: "no-such-upload" | "invalid-parts") {
    super(kind);
  }
}

/** S3 numbers parts 1 to 10,000. */
const MAX_PARTS = 10_000;
/** A complete call lists every part with its ETag and URL (about 1 KiB each with the public host). */
export const PART_LIST_MAX_BYTES = 16 << 20;

// The stock client falls back to a plain PUT when mpu/create answers a message that starts with
// MLflow's own (mlflow/exceptions.py _UnsupportedMultipartUploadException, http_artifact_repo.py);
// with MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD forced it falls back to a GET on a 501.
const UPLOAD_OFF =
  "Multipart upload is not supported for the current artifact repository: this hub takes artifacts through the tracking URI with a plain PUT, which the MLflow client then uses (leave MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD unset).";
const DOWNLOAD_OFF =
  "Multipart download is not supported for the current artifact repository: this hub serves artifacts through the tracking URI (GET …/mlflow-artifacts/artifacts/<path>); leave MLFLOW_ENABLE_PROXY_MULTIPART_DOWNLOAD unset.";
const NAME_NOT_DIRECT =
  "Multipart upload is not supported for the current artifact repository for this file name ('%', '#' or control characters): upload it with a plain PUT through the tracking URI.";
const CLOUD_PRESIGNED =
  "Presigned URLs for a run's or logged model's artifacts are not offered by this hub: its artifacts go through the tracking URI (mlflow.log_artifact, mlflow.artifacts.download_artifacts).";

const notImplemented = (message: string) => new GatewayError("NOT_IMPLEMENTED", message);
const outside = () => new GatewayError("PERMISSION_DENIED", "Artifact paths must lie inside this project's MLflow (workspaces/<workspace>/<experiment id>/…).");

/**
 * The public store for this caller, if any. Never for the serving runtime (a serving grant): it
 * reaches the hub alone (the appliance's serving network has no route to S3_PUBLIC_URL's host),
 * so its model downloads stay on the artifact proxy, whatever their size.
 */
export function directStoreFor(authorization: string | undefined, cookie: string | undefined, store: DirectStore | undefined): DirectStore | undefined {
  if (!store) return undefined;
  try {
    return readCredential(authorization, cookie).kind === "serving-grant" ? undefined : store;
  } catch {
    // A malformed credential: its request is refused anyway where it is verified.
    return store;
  }
}

/** server-info through a project URI: MLflow's answer, with the transfer keys saying what works through this hub. */
export function serverInfoThroughHub(info: Record<string, unknown>, direct: boolean): Record<string, unknown> {
  return {
    ...info,
    multipart_uploads_enabled: direct,
    multipart_downloads_enabled: direct,
    // The contract of artifacts/presigned-upload-url, which the hub never offers.
    presigned_upload_run_id_supported: false,
    presigned_upload_model_id_supported: false,
  };
}

/** A field as MLflow's JSON parser reads it: the proto's snake_case name or its camelCase form, not both. */
function field(body: Record<string, unknown> | undefined, snake: string): unknown {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (body && snake !== camel && snake in body && camel in body) throw invalid(`The request names ${snake} twice (${snake} and ${camel}).`);
  return body?.[snake] ?? body?.[camel];
}

function text(body: Record<string, unknown> | undefined, name: string): string {
  const value = field(body, name);
  if (typeof value !== "string" || !value) throw invalid(`The multipart upload request needs ${name} (a non-empty string).`);
  return value;
}

/** proto int64 values arrive as JSON numbers or strings. */
function whole(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

function partsOf(body: Record<string, unknown> | undefined): UploadedPart[] {
  const list = field(body, "parts");
  if (!Array.isArray(list) || list.length < 1 || list.length > MAX_PARTS) throw invalid(`The multipart upload request needs parts: 1 to ${MAX_PARTS} uploaded parts.`);
  const parts = list.map((p) => {
    const item = p && typeof p === "object" ? (p as Record<string, unknown>) : {};
    const partNumber = whole(field(item, "part_number"));
    const etag = field(item, "etag");
    if (partNumber === undefined || partNumber < 1 || partNumber > MAX_PARTS || typeof etag !== "string" || !etag) {
      throw invalid("Each uploaded part needs a part_number from 1 to 10000 and the etag the store answered for it.");
    }
    return { partNumber, etag };
  });
  if (new Set(parts.map((p) => p.partNumber)).size !== parts.length) throw invalid("Each uploaded part needs a part_number from 1 to 10000 and the etag the store answered for it.");
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/** The store answered; its own errors never reach the caller (they can name its internal endpoint). */
async function atStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof StoreRefusal && e.kind === "no-such-upload") {
      throw new GatewayError("RESOURCE_DOES_NOT_EXIST", "No multipart upload with this upload_id is in progress for this artifact.");
    }
    if (e instanceof StoreRefusal) throw invalid("The store refused the parts: each needs the etag it answered for that part's upload, and every part but the last at least 5 MiB.");
    throw unavailable("The artifact store");
  }
}

/** The route's path parameter, inside the caller's workspace. */
function ownPath(ctx: CheckContext): string {
  const path = ctx.params.artifact_path ?? "";
  if (!artifactPathAllowed(path, ctx.workspace)) throw outside();
  return path;
}

/** The key a multipart call names: the URL's directory and the basename of the body's path. */
function multipartKey(ctx: CheckContext): string {
  const key = uploadKey(ownPath(ctx), text(ctx.body, "path"), ctx.workspace);
  if (!key) throw notImplemented(NAME_NOT_DIRECT);
  return key;
}

function storeOf(ctx: CheckContext, off: string): DirectStore {
  if (!ctx.store) throw notImplemented(off);
  return ctx.store;
}

type Check = (ctx: CheckContext) => Promise<CheckOutcome>;

export const transferChecks: Record<string, Check> = {
  "mpu-create": async (ctx) => {
    const store = storeOf(ctx, UPLOAD_OFF);
    const key = multipartKey(ctx);
    // At the start and again at the end: another upload may have made the file meanwhile.
    await refuseOverwrite(ctx, proxyListing, key);
    const numParts = whole(field(ctx.body, "num_parts"));
    if (numParts === undefined || numParts < 1 || numParts > MAX_PARTS) throw invalid(`The multipart upload request needs num_parts from 1 to ${MAX_PARTS}.`);
    const uploadId = await atStore(() => store.createUpload(key));
    const credentials = await atStore(() =>
      Promise.all(Array.from({ length: numParts }, async (_, i) => ({ url: await store.presignPart(key, uploadId, i + 1), part_number: i + 1, headers: {} }))),
    );
    return { kind: "answer", json: { upload_id: uploadId, credentials } };
  },
  "mpu-complete": async (ctx) => {
    const store = storeOf(ctx, UPLOAD_OFF);
    const key = multipartKey(ctx);
    // At the start and again at the end: another upload may have made the file meanwhile.
    await refuseOverwrite(ctx, proxyListing, key);
    const uploadId = text(ctx.body, "upload_id");
    const parts = partsOf(ctx.body);
    await atStore(() => store.completeUpload(key, uploadId, parts));
    return { kind: "answer", json: {} };
  },
  "mpu-abort": async (ctx) => {
    const store = storeOf(ctx, UPLOAD_OFF);
    const key = multipartKey(ctx);
    const uploadId = text(ctx.body, "upload_id");
    await atStore(() => store.abortUpload(key, uploadId));
    return { kind: "answer", json: {} };
  },
  "presigned-download": async (ctx) => {
    const store = storeOf(ctx, DOWNLOAD_OFF);
    const path = ownPath(ctx);
    const key = storageKey(path, ctx.workspace);
    if (!key) throw invalid("This artifact's name ('%', '#' or control characters) cannot be signed for a direct download: download it through the tracking URI.");
    const size = await atStore(() => store.size(key));
    if (size === undefined) throw new GatewayError("RESOURCE_DOES_NOT_EXIST", `No artifact at ${path}.`);
    const url = await atStore(() => store.presignDownload(key));
    return { kind: "answer", json: { url, headers: {}, file_size: size } };
  },
  // artifacts/presigned-upload-url and presigned-download-url presign a run's (or logged model's) own
  // artifact URI, meant for runs stored straight in a cloud bucket; MLflow signs it with the endpoint it
  // reaches. The object is looked up first so another project's id reads as one that does not exist.
  "cloud-presigned-url": async (ctx) => {
    const runId = field(ctx.body, "run_id");
    const modelId = field(ctx.body, "model_id");
    if (typeof runId === "string" && runId && (await ctx.mlflow(`/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`)).status !== 200) {
      throw new GatewayError("RESOURCE_DOES_NOT_EXIST", `Run '${runId}' does not exist in this project.`);
    }
    if (typeof modelId === "string" && modelId && (await ctx.mlflow(`/api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`)).status !== 200) {
      throw new GatewayError("RESOURCE_DOES_NOT_EXIST", `Logged model '${modelId}' does not exist in this project.`);
    }
    throw notImplemented(CLOUD_PRESIGNED);
  },
};

/** Transfer checks that read the JSON body. */
export const TRANSFER_BODY_CHECKS = ["mpu-create", "mpu-complete", "mpu-abort", "cloud-presigned-url"] as const;
