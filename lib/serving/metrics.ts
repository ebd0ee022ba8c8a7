import client from "prom-client";

const NAME = "mlflow_hub_serving_request_duration_seconds";

/** Invocations of model endpoints by project, model, version or alias, operation and status: the dashboard reads its counts and latency. */
export const servingRequests =
  (client.register.getSingleMetric(NAME) as client.Histogram<"project" | "model" | "ref" | "operation" | "status"> | undefined) ??
  new client.Histogram({
    name: NAME,
    help: "Model endpoint requests through the gateway, from the endpoint's routing to the end of the answer, by project id, model, version or alias, operation and status.",
    labelNames: ["project", "model", "ref", "operation", "status"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
  });

/** Requests and mean latency per endpoint of a project, from the registry (invocations only). */
export async function endpointStats(projectId: number): Promise<Map<string, { requests: number; meanMs: number | null }>> {
  const { values } = await servingRequests.get();
  const sums = new Map<string, { count: number; sum: number }>();
  for (const v of values) {
    const l = v.labels as Record<string, string>;
    if (l.project !== String(projectId) || l.operation !== "invocations") continue;
    const key = `${l.model}\u0000${l.ref}`;
    const s = sums.get(key) ?? { count: 0, sum: 0 };
    if (v.metricName === `${NAME}_count`) s.count += v.value;
    else if (v.metricName === `${NAME}_sum`) s.sum += v.value;
    else continue;
    sums.set(key, s);
  }
  return new Map([...sums].map(([k, s]) => [k, { requests: s.count, meanMs: s.count ? (s.sum / s.count) * 1000 : null }]));
}
