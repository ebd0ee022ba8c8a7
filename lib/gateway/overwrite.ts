import type { CheckContext } from "./checks";
import { GatewayError, unavailable } from "./errors";

/**
 * Overwriting an artifact destroys what was there, so it takes the delete permission: with
 * DELETE_MIN_ACCESS_LEVEL above Developer a Developer may add artifacts but not replace them.
 * Callers who may delete pay nothing; for the others the gateway lists the directory the
 * upload lands in (one MLflow call) and refuses when the file is there.
 *
 * `dir` and `name` are where MLflow will write: MLflow splits the path it was given at its
 * last '/' (handlers.py upload_artifact and _upload_artifact). A path MLflow would rewrite
 * first (percent-decoding, control characters, '#') or with empty, '.' or '..' segments could
 * name the file differently from what is listed here: such a path is refused outright.
 */
/** Where an upload lands: the directory and the file's name in it. */
export interface UploadPath {
  dir: string;
  name: string;
}

/** The listing to ask MLflow for (in the caller's workspace) to see what `upload`'s directory holds; undefined when it cannot be told. */
export type Listing = (upload: UploadPath) => string | undefined;

const NOT_PLAIN = /[%#\\\u0000-\u001f\u007f]/;

/** Splits a relative upload path at its last '/', or undefined when it is not a plain one. */
export function splitUploadPath(path: string): UploadPath | undefined {
  if (path === "" || path.startsWith("/") || NOT_PLAIN.test(path)) return undefined;
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
  const name = parts.pop()!;
  return { dir: parts.join("/"), name };
}

/** A file a listing names: MLflow's artifact proxy names them by basename, the run listing from the run's root. */
const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);

export async function refuseOverwrite(ctx: CheckContext, listing: Listing, path: string): Promise<void> {
  if (ctx.mayDelete) return;
  const upload = splitUploadPath(path);
  const asked = upload && listing(upload);
  if (!asked) throw new GatewayError("PERMISSION_DENIED", `${cannot(ctx)} and this artifact path is not a plain one the hub can check for an existing file.`);
  const found = await ctx.mlflow(asked);
  if (found.status >= 500) throw unavailable("MLflow");
  if (found.status !== 200) throw new GatewayError("PERMISSION_DENIED", `${cannot(ctx)} and the hub could not check whether this artifact exists (MLflow answered ${found.status}).`);
  const files = Array.isArray(found.json.files) ? (found.json.files as { path?: unknown; is_dir?: unknown }[]) : [];
  // A directory of the same name is no file: storage keeps both, nothing is lost.
  if (files.some((f) => f?.is_dir !== true && typeof f?.path === "string" && baseName(f.path) === upload.name)) {
    throw new GatewayError("PERMISSION_DENIED", `${cannot(ctx)}, and an artifact named '${upload.name}' already exists there: upload under another name, or ask someone who may delete.`);
  }
}

const cannot = (ctx: CheckContext) => `Overwriting an artifact needs the delete permission (${ctx.deleteRole} or higher in this project)`;

const q = (params: Record<string, string>) => `?${new URLSearchParams(params)}`;

/** The artifact proxy (PUT mlflow-artifacts/artifacts/<path>, multipart): the path is the storage path from the bucket's root. */
export const proxyListing: Listing = ({ dir }) => (dir ? `/api/2.0/mlflow-artifacts/artifacts${q({ path: dir })}` : undefined);

/** The UI's upload (POST ajax-api upload-artifact?run_uuid=&path=): the path is relative to the run's artifact root. */
export const runListing =
  (runId: string): Listing =>
  ({ dir }) =>
    runId ? `/api/2.0/mlflow/artifacts/list${q(dir ? { run_id: runId, path: dir } : { run_id: runId })}` : undefined;
