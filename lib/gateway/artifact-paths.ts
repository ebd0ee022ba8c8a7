/** Raw artifact paths must stay inside `workspaces/<ws>/<experiment id>/…`: the root and other workspaces are other tenants. */
export function artifactPathAllowed(path: string, workspace: string): boolean {
  const prefix = `workspaces/${workspace}/`;
  if (!path.startsWith(prefix)) return false;
  const parts = path.slice(prefix.length).split("/");
  return /^\d+$/.test(parts[0]) && !parts.some((p) => p === "." || p === ".." || p === "");
}

// MLflow percent-decodes a path until it stops changing and escapes control characters
// (mlflow/utils/uri.py validate_path_is_safe) and refuses '#'; without these the key it
// uses is the path itself, so the gateway signs only such paths.
const REWRITTEN_BY_MLFLOW = /[%#\u0000-\u001f\u007f]/;

/**
 * The S3 key of an artifact path, exactly where MLflow's artifact proxy keeps it.
 * MLflow runs with `--artifacts-destination s3://<bucket>` (infra/local/mlflow.ts,
 * docker-compose.yml), so the proxy's repository is the bucket's root and the
 * workspace-scoped path is the key (handlers.py _upload_artifact logs the file
 * `tail` under `head`; s3_artifact_repo.py joins them onto the empty root).
 * Undefined when the path lies outside the workspace, or is one MLflow would
 * rewrite before using it.
 */
export function storageKey(path: string, workspace: string): string | undefined {
  return artifactPathAllowed(path, workspace) && !REWRITTEN_BY_MLFLOW.test(path) ? path : undefined;
}

/**
 * The file name of a multipart upload. MLflow's client sends its local path in the body
 * and the server keeps the basename (s3_artifact_repo.py create_multipart_upload), the
 * name the client then lists and downloads; a Windows client's path splits at '\'.
 */
export function uploadFileName(localPath: string): string | undefined {
  const name = localPath.split(/[/\\]/).pop() ?? "";
  return name === "" || name === "." || name === ".." ? undefined : name;
}

/** Where a multipart upload of `localPath` into the directory `path` lands. */
export function uploadKey(path: string, localPath: string, workspace: string): string | undefined {
  const name = uploadFileName(localPath);
  return name === undefined ? undefined : storageKey(`${path}/${name}`, workspace);
}
