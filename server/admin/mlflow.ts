import "server-only";
import { config } from "@/lib/config";
import type { Experiment, RunInfo } from "@/lib/mlflow-api/types";

/**
 * MLflow as the admin pages read it: server-wide (the workspace list) and per
 * workspace through X-MLFLOW-WORKSPACE, straight to the internal server. Only
 * server code for admins calls this; project pages go through the gateway.
 */
async function mlflow<T>(path: string, workspace?: string, body?: unknown): Promise<T> {
  const res = await fetch(`${config().MLFLOW_URL}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...(workspace ? { "x-mlflow-workspace": workspace } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
    cache: "no-store",
  });
  if (!res.ok) {
    const text = await res.text();
    throw new Error(`MLflow answered ${res.status} to ${path}${text ? `: ${text.slice(0, 200)}` : ""}`);
  }
  return (await res.json()) as T;
}

async function allPages<T>(page: (token?: string) => Promise<{ items?: T[]; next_page_token?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const { items, next_page_token } = await page(token);
    out.push(...(items ?? []));
    token = next_page_token || undefined;
  } while (token);
  return out;
}

export const listWorkspaces = async () => (await mlflow<{ workspaces?: { name: string; description?: string }[] }>("/api/3.0/mlflow/workspaces")).workspaces ?? [];

export const listExperiments = (workspace: string) =>
  allPages<Experiment>(async (page_token) => {
    const r = await mlflow<{ experiments?: Experiment[]; next_page_token?: string }>("/api/2.0/mlflow/experiments/search", workspace, { max_results: 1000, view_type: "ALL", page_token });
    return { items: r.experiments, next_page_token: r.next_page_token };
  });

/** Active runs' infos only: their params and metrics come along in MLflow's answer but are dropped here. */
export async function listRunInfos(workspace: string, experimentIds: string[]): Promise<RunInfo[]> {
  if (!experimentIds.length) return [];
  return allPages<RunInfo>(async (page_token) => {
    const r = await mlflow<{ runs?: { info: RunInfo }[]; next_page_token?: string }>("/api/2.0/mlflow/runs/search", workspace, {
      experiment_ids: experimentIds,
      max_results: 1000,
      run_view_type: "ACTIVE_ONLY",
      page_token,
    });
    return { items: r.runs?.map((run) => run.info), next_page_token: r.next_page_token };
  });
}

export const listRegisteredModels = (workspace: string) =>
  allPages<{ name: string; last_updated_timestamp?: number }>(async (page_token) => {
    const q = new URLSearchParams({ max_results: "1000", ...(page_token ? { page_token } : {}) });
    const r = await mlflow<{ registered_models?: { name: string; last_updated_timestamp?: number }[]; next_page_token?: string }>(`/api/2.0/mlflow/registered-models/search?${q}`, workspace);
    return { items: r.registered_models, next_page_token: r.next_page_token };
  });
