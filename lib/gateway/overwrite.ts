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
export interface UploadTarget {
  /** What to ask MLflow for: a listing of the directory, in the caller's workspace. */
  listing: string;
  name: string;
}

const NOT_PLAIN = /[%#\\\u0000-\u001f\u007f]/;

/** Splits a relative upload path at its last '/', or undefined when it is not a plain one. */
export function splitUploadPath(path: string): { dir: string; name: string } | undefined {
  if (path === "" || path.startsWith("/") || NOT_PLAIN.test(path)) return undefined;
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) return undefined;
  const name = parts.pop()!;
  return { dir: parts.join("/"), name };
}

/** A file a listing names: MLflow's artifact proxy names them by basename, the run listing from the run's root. */
const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);

export async function refuseOverwrite(ctx: CheckContext, target: (path: string) => UploadTarget | undefined, path: string): Promise<void> {
  if (ctx.mayDelete) return;
  const split = splitUploadPath(path);
  const t = split && target(path);
  if (!t) throw new GatewayError("PERMISSION_DENIED", `${cannot(ctx)} and this artifact path is not a plain one the hub can check for an existing file.`);
  const found = await ctx.mlflow(t.listing);
  if (found.status >= 500) throw unavailable("MLflow");
  if (found.status !== 200) throw new GatewayError("PERMISSION_DENIED", `${cannot(ctx)} and the hub could not check whether this artifact exists (MLflow answered ${found.status}).`);
  const files = Array.isArray(found.json.files) ? (found.json.files as { path?: unknown; is_dir?: unknown }[]) : [];
  // A directory of the same name is no file: storage keeps both, nothing is lost.
  if (files.some((f) => f?.is_dir !== true && typeof f?.path === "string" && baseName(f.path) === t.name)) {
    throw new GatewayError("PERMISSION_DENIED", `${cannot(ctx)}, and an artifact named '${t.name}' already exists there: upload under another name, or ask someone who may delete.`);
  }
}

const cannot = (ctx: CheckContext) => `Overwriting an artifact needs the delete permission (${ctx.deleteRole} or higher in this project)`;

const q = (params: Record<string, string>) => `?${new URLSearchParams(params)}`;

/** The artifact proxy (PUT mlflow-artifacts/artifacts/<path>, multipart): `path` is the storage path from the bucket's root. */
export const proxyTarget = (path: string): UploadTarget | undefined => {
  const split = splitUploadPath(path);
  return split && split.dir ? { listing: `/api/2.0/mlflow-artifacts/artifacts${q({ path: split.dir })}`, name: split.name } : undefined;
};

/** The UI's upload (POST ajax-api upload-artifact?run_uuid=&path=): `path` is relative to the run's artifact root. */
export const runTarget =
  (runId: string) =>
  (path: string): UploadTarget | undefined => {
    const split = splitUploadPath(path);
    if (!split || !runId) return undefined;
    return { listing: `/api/2.0/mlflow/artifacts/list${q(split.dir ? { run_id: runId, path: split.dir } : { run_id: runId })}`, name: split.name };
  };
