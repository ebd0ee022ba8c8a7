import "server-only";
import { servingRows, type CpuSample, type ProjectName, type ServingRow } from "@/lib/admin/serving";
import { endpointStats } from "@/lib/serving/metrics";
import { parseModelRef } from "@/lib/serving/path";
import { sharedServing } from "@/server/serving";
import { gitlabPath } from "./projects";

export type ServingOverview =
  | { kind: "off" }
  | { kind: "unavailable"; why: string }
  /** `runtimeDown`: the supervisor did not answer, so memory and CPU are unknown. */
  | { kind: "on"; rows: ServingRow[]; runtimeDown: boolean };

const KEY = Symbol.for("mlflow-hub.admin-serving-cpu");
type Holder = { [KEY]?: Map<string, CpuSample> };

/**
 * Every endpoint of every project, as this hub process's manager holds them, with the
 * supervisor's live memory and CPU of each instance and this process's invocation counts.
 */
export async function servingOverview(adminToken: string): Promise<ServingOverview> {
  const serving = sharedServing();
  if (!serving) return { kind: "off" };
  let endpoints;
  try {
    endpoints = await serving.manager.list();
  } catch (e) {
    return { kind: "unavailable", why: (e as Error).message };
  }
  const [instances, stats, names] = await Promise.all([
    serving.supervisor.list().catch(() => null),
    Promise.all([...new Set(endpoints.map((e) => e.projectId))].map(async (id) => [id, await endpointStats(id)] as const)).then((all) => new Map(all)),
    Promise.all(
      [...new Set(endpoints.map((e) => e.projectId))].map(async (id) => [id, await gitlabPath(id, adminToken).catch((e: Error): ProjectName => ({ state: "unknown", why: e.message }))] as const),
    ).then((all) => new Map(all)),
  ]);
  const holder = globalThis as Holder;
  const { rows, samples } = servingRows({
    endpoints,
    instances,
    stats: (projectId, model, ref) => stats.get(projectId)?.get(`${model}\u0000${ref}`),
    project: (id) => names.get(id) ?? { state: "unknown", why: "not asked" },
    samples: holder[KEY] ?? new Map(),
    now: Date.now(),
  });
  if (instances) holder[KEY] = samples;
  return { kind: "on", rows, runtimeDown: instances === null };
}

/** The endpoint an admin names by id, to stop it through the same manager the project's page uses. */
export async function stopEndpointById(id: string) {
  const serving = sharedServing();
  if (!serving) return { kind: "off" } as const;
  const endpoint = (await serving.manager.list()).find((e) => e.id === id);
  if (!endpoint) return { kind: "unknown" } as const;
  return { kind: "stopped", endpoint, after: await serving.manager.stop(endpoint.projectId, endpoint.model, parseModelRef(endpoint.ref)) } as const;
}
