import { workspaceOf } from "@/lib/gateway/project-path";
import type { ModelLookup } from "./endpoints";

/** Registered models in a project's MLflow workspace, read by the hub itself (internal network). */
export function mlflowModels(mlflowUrl: string, timeoutMs = 10_000): ModelLookup {
  async function get(projectId: number, path: string, query: Record<string, string>) {
    const res = await fetch(`${mlflowUrl}${path}?${new URLSearchParams(query)}`, { headers: { "x-mlflow-workspace": workspaceOf(projectId) }, signal: AbortSignal.timeout(timeoutMs) });
    const json = (await res.json().catch(() => ({}))) as { model_version?: { version?: string }; error_code?: string };
    if (res.status >= 500) throw new Error(`MLflow answered ${res.status}`);
    return { status: res.status, json };
  }
  return {
    async aliasVersion(projectId, model, alias) {
      const { status, json } = await get(projectId, "/api/2.0/mlflow/registered-models/alias", { name: model, alias });
      return status === 200 ? json.model_version?.version : undefined;
    },
    async versionExists(projectId, model, version) {
      const { status } = await get(projectId, "/api/2.0/mlflow/model-versions/get", { name: model, version });
      return status === 200;
    },
  };
}
