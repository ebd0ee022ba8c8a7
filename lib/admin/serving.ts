import type { EndpointView } from "@/lib/serving/endpoints";
import type { InstanceView } from "@/lib/serving/supervisor";

/** What the supervisor last said of one instance's CPU: the admin page's percentage is the difference to the next. */
export interface CpuSample {
  cpuSeconds: number;
  at: number;
}

export type ProjectName = { state: "found"; path: string } | { state: "gone" } | { state: "unknown"; why: string };

/** One endpoint on the admin Serving page; plain data, so it crosses to the client table. */
export interface ServingRow {
  id: string;
  projectId: number;
  project: ProjectName;
  model: string;
  ref: string;
  kind: "version" | "alias";
  version: string | null;
  state: EndpointView["state"];
  rollingTo: string | null;
  error: string | null;
  log: string[];
  deployedBy: string;
  deployedAt: string;
  limits: string | null;
  memoryBytes: number | null;
  /** CPU seconds the instance used since it started. */
  cpuSeconds: number | null;
  /** Share of one core over the time since the previous sample (the page's refresh); null before there are two. */
  cpuPercent: number | null;
  requests: number;
  meanLatencyMs: number | null;
}

/** Two samples closer than this say little (two admins' pages refreshing at once): the older one is kept. */
export const MIN_SAMPLE_MS = 1_000;

/** CPU used between two samples as a percentage of one core; null without an earlier sample, or when the instance restarted since. */
export function cpuPercent(previous: CpuSample | undefined, current: CpuSample): number | null {
  if (!previous) return null;
  const wall = (current.at - previous.at) / 1000;
  const used = current.cpuSeconds - previous.cpuSeconds;
  if (wall * 1000 < MIN_SAMPLE_MS || used < 0) return null;
  return (100 * used) / wall;
}

export interface ServingRowsInput {
  endpoints: EndpointView[];
  /** What the supervisor reports now; null when it did not answer (usage then unknown). */
  instances: InstanceView[] | null;
  stats(projectId: number, model: string, ref: string): { requests: number; meanMs: number | null } | undefined;
  project(projectId: number): ProjectName;
  /** The previous CPU sample per instance id. */
  samples: Map<string, CpuSample>;
  now: number;
}

/**
 * Every endpoint joined with its instance's live memory and CPU (by the instance id the manager
 * shows) and its invocation counts; ordered by project, model and ref. Returns the CPU samples
 * to keep for the next view: one per live instance, the older one kept while it is too recent.
 */
export function servingRows(input: ServingRowsInput): { rows: ServingRow[]; samples: Map<string, CpuSample> } {
  const live = new Map((input.instances ?? []).map((i) => [i.id, i]));
  const samples = new Map<string, CpuSample>();
  const rows = input.endpoints.map((e): ServingRow => {
    const inst = e.instance && e.state !== "stopped" && e.state !== "idle" ? live.get(e.instance) : undefined;
    let percent: number | null = null;
    if (inst && inst.cpu_seconds !== null) {
      const current = { cpuSeconds: inst.cpu_seconds, at: input.now };
      const previous = input.samples.get(inst.id);
      percent = cpuPercent(previous, current);
      samples.set(inst.id, previous && input.now - previous.at < MIN_SAMPLE_MS && current.cpuSeconds >= previous.cpuSeconds ? previous : current);
    }
    const s = input.stats(e.projectId, e.model, e.ref);
    return {
      id: e.id,
      projectId: e.projectId,
      project: input.project(e.projectId),
      model: e.model,
      ref: e.ref,
      kind: e.kind,
      version: e.version,
      state: e.state,
      rollingTo: e.rollingTo,
      error: e.error,
      log: e.log,
      deployedBy: e.deployedBy,
      deployedAt: e.deployedAt,
      limits: inst?.limits ?? e.limits,
      memoryBytes: inst ? inst.memory_bytes : null,
      cpuSeconds: inst ? inst.cpu_seconds : null,
      cpuPercent: percent,
      requests: s?.requests ?? 0,
      meanLatencyMs: s?.meanMs ?? null,
    };
  });
  const unnamed = (r: ServingRow) => (r.project.state === "found" ? 0 : 1);
  const name = (r: ServingRow) => (r.project.state === "found" ? r.project.path : String(r.projectId));
  rows.sort((a, b) => unnamed(a) - unnamed(b) || name(a).localeCompare(name(b), undefined, { numeric: true }) || a.model.localeCompare(b.model) || a.ref.localeCompare(b.ref, undefined, { numeric: true }));
  return { rows, samples };
}
