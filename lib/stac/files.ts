const RUN_SOURCE = /^runs:\/([0-9a-zA-Z_-]{1,64})(?:\/(.*))?$/;

/**
 * The route (below a tracking URI, or MLflow's root) that serves a file of a version's model.
 * A `runs:/<run>/<path>` source is read from the run's artifacts: MLflow's
 * model-versions/get-artifact fails (500) for such sources on a server whose artifacts are
 * proxied (mlflow-artifacts:), while get-artifact serves them. Other sources (`models:/<id>`,
 * the SDK's default since MLflow 3) go through model-versions/get-artifact.
 */
export function modelFileRoute(name: string, version: string, source: string | undefined, path: string): string {
  const enc = encodeURIComponent;
  const run = RUN_SOURCE.exec(source ?? "");
  if (run) {
    const dir = (run[2] ?? "").replace(/^\/+|\/+$/g, "");
    return `get-artifact?run_uuid=${enc(run[1])}&path=${enc(dir ? `${dir}/${path}` : path)}`;
  }
  return `model-versions/get-artifact?name=${enc(name)}&version=${enc(version)}&path=${enc(path)}`;
}
