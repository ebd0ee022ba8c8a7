import { describe, expect, it } from "vitest";
import type { EndpointView } from "@/lib/serving/endpoints";
import type { InstanceView } from "@/lib/serving/supervisor";
import { cpuPercent, servingRows, type CpuSample, type ServingRowsInput } from "./serving";

const endpoint = (over: Partial<EndpointView>): EndpointView => ({
  id: "e1",
  projectId: 101,
  model: "flood",
  ref: "champion",
  kind: "alias",
  version: "2",
  state: "ready",
  error: null,
  log: [],
  deployedBy: "bob",
  deployedAt: "2026-12-02T10:00:00.000Z",
  rollingTo: null,
  limits: "memory 1024 MB",
  instance: "e1-v2",
  // What the manager saw at its last reconciliation: the page must show the supervisor's figures of now.
  memoryBytes: 1,
  cpuSeconds: 1,
  ...over,
});

const instance = (over: Partial<InstanceView>): InstanceView => ({
  id: "e1-v2",
  project_id: 101,
  model: "flood",
  version: "2",
  state: "ready",
  error: null,
  started_at: 0,
  ready_at: 1,
  limits: "memory 1024 MB, 1 CPU",
  log: [],
  memory_bytes: 150_000_000,
  cpu_seconds: 4,
  ...over,
});

const input = (over: Partial<ServingRowsInput>): ServingRowsInput => ({
  endpoints: [endpoint({})],
  instances: [instance({})],
  stats: () => undefined,
  project: (id) => (id === 101 ? { state: "found", path: "ml-team/flood-detection" } : { state: "gone" }),
  samples: new Map(),
  now: 100_000,
  ...over,
});

describe("cpuPercent", () => {
  it("is the CPU seconds used between two samples over the wall time between them, as a share of one core", () => {
    expect(cpuPercent({ cpuSeconds: 4, at: 0 }, { cpuSeconds: 6.5, at: 5_000 })).toBe(50);
    expect(cpuPercent({ cpuSeconds: 4, at: 0 }, { cpuSeconds: 14, at: 5_000 })).toBe(200);
  });

  it("has no value without an earlier sample, with samples too close together, or after the instance restarted", () => {
    expect(cpuPercent(undefined, { cpuSeconds: 6, at: 5_000 })).toBeNull();
    expect(cpuPercent({ cpuSeconds: 4, at: 4_500 }, { cpuSeconds: 6, at: 5_000 })).toBeNull();
    expect(cpuPercent({ cpuSeconds: 40, at: 0 }, { cpuSeconds: 1, at: 5_000 })).toBeNull();
  });
});

describe("servingRows", () => {
  it("joins each endpoint with its instance's live memory and CPU by the instance id the manager shows", () => {
    const { rows } = servingRows(input({ instances: [instance({ id: "other-v1", memory_bytes: 9, cpu_seconds: 9 }), instance({})] }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ project: { state: "found", path: "ml-team/flood-detection" }, model: "flood", ref: "champion", version: "2", state: "ready", memoryBytes: 150_000_000, cpuSeconds: 4, limits: "memory 1024 MB, 1 CPU" });
  });

  it("turns two views' CPU seconds into a percentage, and keeps the sample for the next view", () => {
    const first = servingRows(input({}));
    expect(first.rows[0].cpuPercent).toBeNull();
    expect(first.samples.get("e1-v2")).toEqual({ cpuSeconds: 4, at: 100_000 });
    const second = servingRows(input({ instances: [instance({ cpu_seconds: 5 })], samples: first.samples, now: 105_000 }));
    expect(second.rows[0].cpuPercent).toBe(20);
    expect(second.samples.get("e1-v2")).toEqual({ cpuSeconds: 5, at: 105_000 });
  });

  it("keeps the older sample while a new view comes too soon after it, so the next percentage spans a real interval", () => {
    const samples = new Map<string, CpuSample>([["e1-v2", { cpuSeconds: 4, at: 100_000 }]]);
    const soon = servingRows(input({ instances: [instance({ cpu_seconds: 4.1 })], samples, now: 100_300 }));
    expect(soon.rows[0].cpuPercent).toBeNull();
    expect(soon.samples.get("e1-v2")).toEqual({ cpuSeconds: 4, at: 100_000 });
  });

  it("shows no usage for a stopped endpoint or when the runtime did not answer, and drops the samples of instances gone", () => {
    const stopped = servingRows(input({ endpoints: [endpoint({ state: "stopped" })], samples: new Map([["e1-v2", { cpuSeconds: 1, at: 0 }]]) }));
    expect(stopped.rows[0]).toMatchObject({ memoryBytes: null, cpuSeconds: null, cpuPercent: null });
    expect(stopped.samples.size).toBe(0);
    const down = servingRows(input({ instances: null }));
    expect(down.rows[0]).toMatchObject({ memoryBytes: null, cpuSeconds: null, limits: "memory 1024 MB" });
  });

  it("carries a failed endpoint's error and log lines, and each endpoint's invocation counts", () => {
    const failed = endpoint({ id: "e2", model: "crash", ref: "1", kind: "version", version: null, state: "failed", error: "the model failed to load", log: ["Traceback", "RuntimeError: boom"], instance: "e2-v1" });
    const { rows } = servingRows(
      input({
        endpoints: [endpoint({}), failed],
        instances: [instance({}), instance({ id: "e2-v1", state: "failed", memory_bytes: null, cpu_seconds: null })],
        stats: (p, m, r) => (p === 101 && m === "flood" && r === "champion" ? { requests: 12, meanMs: 3.5 } : undefined),
      }),
    );
    const crash = rows.find((r) => r.model === "crash")!;
    expect(crash).toMatchObject({ state: "failed", error: "the model failed to load", log: ["Traceback", "RuntimeError: boom"], memoryBytes: null, cpuPercent: null, requests: 0, meanLatencyMs: null });
    expect(rows.find((r) => r.model === "flood")).toMatchObject({ requests: 12, meanLatencyMs: 3.5 });
  });

  it("orders rows by project path, then model and ref, projects without a known path last", () => {
    const { rows } = servingRows(
      input({
        endpoints: [endpoint({ id: "a", projectId: 7, model: "m" }), endpoint({ id: "b", model: "zeta" }), endpoint({ id: "c", model: "alpha", ref: "2" }), endpoint({ id: "d", model: "alpha", ref: "1" })],
      }),
    );
    expect(rows.map((r) => r.id)).toEqual(["d", "c", "b", "a"]);
  });
});
