/** The part of prom-client's `getMetricsAsJSON()` read here. */
export interface MetricJson {
  name: string;
  values: { value: number; metricName?: string; labels: Record<string, string | number | undefined> }[];
}

export const REQUESTS = "mlflow_hub_gateway_request_duration_seconds";
export const GITLAB_CALLS = "mlflow_hub_gitlab_api_calls_total";
export const ACCESS_CACHE = "mlflow_hub_access_cache_lookups_total";

type Outcome = "allowed" | "denied" | "error";

/** The gateway's counters at one moment; every number counts since the hub process started. */
export interface GatewaySample {
  at: number;
  requests: number;
  outcomes: Record<Outcome, number>;
  /** Per route action (read, write, …): requests by outcome. */
  actions: Record<string, Record<Outcome, number>>;
  /** Seconds spent answering, summed over all requests (the histogram's _sum). */
  seconds: number;
  cache: { hit: number; miss: number };
  gitlab: { total: number; calls: { endpoint: string; status: string; count: number }[] };
}

const zero = (): Record<Outcome, number> => ({ allowed: 0, denied: 0, error: 0 });

export function sampleOf(metrics: readonly MetricJson[], at: number): GatewaySample {
  const s: GatewaySample = { at, requests: 0, outcomes: zero(), actions: {}, seconds: 0, cache: { hit: 0, miss: 0 }, gitlab: { total: 0, calls: [] } };
  for (const m of metrics) {
    if (m.name === REQUESTS) {
      for (const v of m.values) {
        if (v.metricName === `${REQUESTS}_sum`) s.seconds += v.value;
        if (v.metricName !== `${REQUESTS}_count`) continue;
        const outcome = String(v.labels.outcome) as Outcome;
        const action = String(v.labels.action);
        if (!(outcome in s.outcomes)) continue;
        s.requests += v.value;
        s.outcomes[outcome] += v.value;
        (s.actions[action] ??= zero())[outcome] += v.value;
      }
    } else if (m.name === ACCESS_CACHE) {
      for (const v of m.values) if (v.labels.result === "hit" || v.labels.result === "miss") s.cache[v.labels.result] += v.value;
    } else if (m.name === GITLAB_CALLS) {
      for (const v of m.values) {
        s.gitlab.total += v.value;
        s.gitlab.calls.push({ endpoint: String(v.labels.endpoint), status: String(v.labels.status), count: v.value });
      }
    }
  }
  s.gitlab.calls.sort((a, b) => b.count - a.count || a.endpoint.localeCompare(b.endpoint));
  return s;
}

/** Share of access lookups answered from the cache, or null before the first lookup. */
export const hitRatio = (c: GatewaySample["cache"]) => (c.hit + c.miss ? c.hit / (c.hit + c.miss) : null);

/** A fixed number of the latest samples. */
export function createRing<T>(size: number) {
  const items: T[] = [];
  return {
    push(item: T) {
      items.push(item);
      if (items.length > size) items.shift();
    },
    all: (): readonly T[] => items,
  };
}

/**
 * Per minute over the last `windowMs`: from the newest sample and the newest one
 * at least `windowMs` older (or the oldest there is, if it spans `minSpanMs`).
 * Null until two samples are far enough apart to say anything.
 */
export function perMinute(samples: readonly GatewaySample[], pick: (s: GatewaySample) => number, windowMs = 60_000, minSpanMs = 10_000): number | null {
  const last = samples.at(-1);
  if (!last) return null;
  const base = [...samples].reverse().find((s) => last.at - s.at >= windowMs) ?? samples[0];
  const span = last.at - base.at;
  if (span < minSpanMs) return null;
  return ((pick(last) - pick(base)) / span) * 60_000;
}

/** Requests per minute between consecutive samples, for a chart of the last minutes. */
export const rateSeries = (samples: readonly GatewaySample[], pick: (s: GatewaySample) => number) =>
  samples.slice(1).map((s, i) => ({ at: s.at, perMinute: ((pick(s) - pick(samples[i])) / Math.max(1, s.at - samples[i].at)) * 60_000 }));
