/**
 * The MLflow writes after which `models:/<name>@<alias>` may resolve to another version (or to
 * none): setting or deleting an alias, creating or deleting a version (a deleted version takes
 * its aliases with it), deleting or renaming a registered model. Every other write (a run's
 * metrics, params, tags, artifacts…) cannot move what an endpoint serves, so it does not make the
 * hub reconcile; anything this misses is still caught by the periodic reconciliation
 * (SERVING_RECONCILE_SECONDS). Paths as in the route table, without their /api/ or /ajax-api/ prefix.
 */
export const REGISTRY_WRITES: ReadonlySet<string> = new Set([
  "2.0/mlflow/registered-models/alias",
  "2.0/mlflow/registered-models/delete",
  "2.0/mlflow/registered-models/rename",
  "2.0/mlflow/model-versions/create",
  "2.0/mlflow/model-versions/delete",
]);

/** Whether a write to this route (routeTable's `path`, e.g. /api/2.0/mlflow/runs/log-batch) can move an endpoint's version. */
export function movesServedVersion(route: string): boolean {
  const rest = route.startsWith("/api/") ? route.slice(5) : route.startsWith("/ajax-api/") ? route.slice(10) : undefined;
  return rest !== undefined && REGISTRY_WRITES.has(rest);
}
