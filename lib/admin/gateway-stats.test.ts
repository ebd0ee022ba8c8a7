import { describe, expect, it } from "vitest";
import { ACCESS_CACHE, createRing, GITLAB_CALLS, hitRatio, perMinute, rateSeries, REQUESTS, sampleOf, type GatewaySample, type MetricJson } from "./gateway-stats";

const count = (action: string, outcome: string, status: string, value: number) => ({ value, metricName: `${REQUESTS}_count`, labels: { action, outcome, status } });
const metrics: MetricJson[] = [
  {
    name: REQUESTS,
    values: [
      { value: 9, metricName: `${REQUESTS}_bucket`, labels: { le: 0.1, action: "read", outcome: "allowed", status: "200" } },
      count("read", "allowed", "200", 10),
      { value: 1.5, metricName: `${REQUESTS}_sum`, labels: { action: "read", outcome: "allowed", status: "200" } },
      count("write", "denied", "403", 2),
      count("read", "denied", "404", 3),
      count("read", "error", "503", 1),
    ],
  },
  { name: ACCESS_CACHE, values: [{ value: 6, labels: { result: "hit" } }, { value: 2, labels: { result: "miss" } }] },
  { name: GITLAB_CALLS, values: [{ value: 1, labels: { endpoint: "/user", status: "200" } }, { value: 4, labels: { endpoint: "/projects/:id", status: "200" } }] },
  { name: "process_cpu_seconds_total", values: [{ value: 99, labels: {} }] },
];

describe("sampleOf", () => {
  const s = sampleOf(metrics, 1000);

  it("counts requests from the histogram's counts only, by outcome and by action", () => {
    expect(s.requests).toBe(16);
    expect(s.outcomes).toEqual({ allowed: 10, denied: 5, error: 1 });
    expect(s.actions.read).toEqual({ allowed: 10, denied: 3, error: 1 });
    expect(s.actions.write).toEqual({ allowed: 0, denied: 2, error: 0 });
    expect(s.seconds).toBe(1.5);
  });

  it("reads the cache's hits and misses and GitLab calls, busiest endpoint first", () => {
    expect(hitRatio(s.cache)).toBe(0.75);
    expect(s.gitlab.total).toBe(5);
    expect(s.gitlab.calls[0]).toEqual({ endpoint: "/projects/:id", status: "200", count: 4 });
  });

  it("has no hit ratio before the first lookup", () => {
    expect(hitRatio({ hit: 0, miss: 0 })).toBeNull();
  });
});

describe("rates", () => {
  const at = (t: number, requests: number) => ({ ...sampleOf([], t), requests }) as GatewaySample;

  it("computes a per-minute rate over the last minute", () => {
    const samples = [at(0, 0), at(30_000, 100), at(60_000, 130), at(90_000, 160)];
    expect(perMinute(samples, (s) => s.requests)).toBe(60);
  });

  it("uses a shorter span when the hub has not been sampled for a minute yet, and says nothing under 10 s", () => {
    expect(perMinute([at(0, 0), at(20_000, 10)], (s) => s.requests)).toBe(30);
    expect(perMinute([at(0, 0), at(5_000, 10)], (s) => s.requests)).toBeNull();
    expect(perMinute([], (s) => s.requests)).toBeNull();
  });

  it("gives a per-minute series between consecutive samples", () => {
    expect(rateSeries([at(0, 0), at(15_000, 5), at(30_000, 5)], (s) => s.requests)).toEqual([
      { at: 15_000, perMinute: 20 },
      { at: 30_000, perMinute: 0 },
    ]);
  });

  it("keeps only the latest samples", () => {
    const ring = createRing<number>(3);
    for (const n of [1, 2, 3, 4]) ring.push(n);
    expect(ring.all()).toEqual([2, 3, 4]);
  });
});
