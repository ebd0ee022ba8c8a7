import client from "prom-client";

// prom-client is loaded from node_modules by both the gateway and Next's bundle, so both
// register on the same default registry and /metrics shows all of it.
const registry = client.register;

function metric<T>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export const gatewayRequests = metric(
  "mlflow_hub_gateway_request_duration_seconds",
  () =>
    new client.Histogram({
      name: "mlflow_hub_gateway_request_duration_seconds",
      help: "Gateway requests by route action and outcome (allowed, denied, error), from arrival to the end of the response.",
      labelNames: ["action", "outcome", "status"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    }),
);

export const gitlabCalls = metric(
  "mlflow_hub_gitlab_api_calls_total",
  () => new client.Counter({ name: "mlflow_hub_gitlab_api_calls_total", help: "Calls the hub made to GitLab's API, by endpoint and status.", labelNames: ["endpoint", "status"] as const }),
);

export const accessCache = metric(
  "mlflow_hub_access_cache_lookups_total",
  () => new client.Counter({ name: "mlflow_hub_access_cache_lookups_total", help: "Project-access cache lookups, by result (hit, miss).", labelNames: ["result"] as const }),
);

export const budgetSyncs = metric(
  "mlflow_hub_gateway_budget_syncs_total",
  () =>
    new client.Counter({
      name: "mlflow_hub_gateway_budget_syncs_total",
      help: "Statements the gateway's shared budgets sent to Postgres (one per sync), by outcome (ok, failed).",
      labelNames: ["outcome"] as const,
    }),
);

export const budgetRows = metric(
  "mlflow_hub_gateway_budget_rows_total",
  () => new client.Counter({ name: "mlflow_hub_gateway_budget_rows_total", help: "Rows of the shared budgets' syncs: sent (this replica's deltas) and read (totals).", labelNames: ["direction"] as const }),
);

let defaultsStarted = false;
export function collectProcessMetrics() {
  if (defaultsStarted || registry.getSingleMetric("process_cpu_seconds_total")) return;
  defaultsStarted = true;
  client.collectDefaultMetrics({ prefix: "" });
}

export const metricsRegistry = registry;
