import { MlflowApiError } from "@/lib/mlflow-api/client";
import type { ProjectTokenList, ProjectTokenView } from "@/lib/tokens/manage";
import type { ProjectTokenAccess } from "@/lib/tokens/rules";

// The hub's token routes answer in MLflow's error shape, so refusals read like the gateway's.
async function call<T>(url: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { accept: "application/json", ...init.headers }, cache: "no-store" });
  } catch {
    throw new MlflowApiError(0, "TEMPORARILY_UNAVAILABLE", "The hub could not be reached.");
  }
  const body = (await res.json().catch(() => undefined)) as { error_code?: string; message?: string } | undefined;
  if (!res.ok) throw new MlflowApiError(res.status, body?.error_code ?? `HTTP_${res.status}`, body?.message ?? `The hub answered ${res.status}.`);
  return body as T;
}

const base = (projectId: number) => `/api/projects/${projectId}/tokens`;

export const listProjectTokens = (projectId: number) => call<ProjectTokenList>(base(projectId));

export const createProjectToken = (projectId: number, request: { name: string; access: ProjectTokenAccess; days: number }) =>
  call<{ token: string; summary: ProjectTokenView }>(base(projectId), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) });

export const revokeProjectToken = (projectId: number, id: string) => call<Record<string, never>>(`${base(projectId)}/${encodeURIComponent(id)}`, { method: "DELETE" });
