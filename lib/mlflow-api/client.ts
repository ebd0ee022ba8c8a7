import type { Experiment, FileInfo, Metric, ModelVersion, Page, RegisteredModel, Run } from "./types";

/** An MLflow error as the gateway and MLflow send it: {error_code, message}. */
export class MlflowApiError extends Error {
  override name = "MlflowApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The project's tracking URI path on this hub: the same gateway the MLflow SDK uses. */
export const trackingPath = (projectId: number) => `/mlflow/${projectId}/tracking`;

type Query = Record<string, string | number | boolean | string[] | undefined>;

function queryString(q: Query | undefined): string {
  if (!q) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

export interface MlflowClientOptions {
  /** Origin of the hub ("" in the browser: same origin, the session cookie authenticates). */
  origin?: string;
  /** Extra headers, e.g. Authorization for a server-side caller. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

/**
 * A typed client for one project's MLflow, always through the hub's gateway —
 * the same decisions, checks and workspace as the SDK — never MLflow directly.
 */
export function mlflowClient(projectId: number, o: MlflowClientOptions = {}) {
  const base = `${o.origin ?? ""}${trackingPath(projectId)}`;
  const doFetch = o.fetch ?? fetch;

  async function call<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown, query?: Query): Promise<T> {
    const res = await doFetch(`${base}${path}${queryString(query)}`, {
      method,
      headers: { accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }), ...o.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      if (!res.ok) throw new MlflowApiError(res.status, "INTERNAL_ERROR", `MLflow answered ${res.status}.`);
    }
    if (!res.ok) throw new MlflowApiError(res.status, String(json.error_code ?? "INTERNAL_ERROR"), String(json.message ?? `MLflow answered ${res.status}.`));
    return json as T;
  }
  const api = (p: string) => `/ajax-api/2.0/mlflow${p}`;

  return {
    base,
    call,
    searchExperiments: (q: { max_results?: number; page_token?: string; filter?: string; order_by?: string[]; view_type?: "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL" } = {}) =>
      call<{ experiments?: Experiment[] } & Page>("POST", api("/experiments/search"), { max_results: 100, ...q }),
    getExperiment: (experimentId: string) => call<{ experiment: Experiment }>("GET", api("/experiments/get"), undefined, { experiment_id: experimentId }),
    searchRuns: (q: { experiment_ids: string[]; filter?: string; order_by?: string[]; max_results?: number; page_token?: string; run_view_type?: "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL" }) =>
      call<{ runs?: Run[] } & Page>("POST", api("/runs/search"), { max_results: 100, ...q }),
    getRun: (runId: string) => call<{ run: Run }>("GET", api("/runs/get"), undefined, { run_id: runId }),
    metricHistory: (runId: string, metricKey: string) =>
      call<{ metrics?: Metric[] } & Page>("GET", api("/metrics/get-history"), undefined, { run_id: runId, metric_key: metricKey, max_results: 25000 }),
    listArtifacts: (runId: string, path?: string) => call<{ root_uri?: string; files?: FileInfo[] } & Page>("GET", api("/artifacts/list"), undefined, { run_id: runId, path }),
    /** URL of an artifact's bytes, streamed through the gateway after its permission check. */
    artifactUrl: (runId: string, path: string) => `${base}/get-artifact${queryString({ run_uuid: runId, path })}`,
    searchRegisteredModels: (q: { filter?: string; max_results?: number; page_token?: string; order_by?: string[] } = {}) =>
      call<{ registered_models?: RegisteredModel[] } & Page>("GET", api("/registered-models/search"), undefined, { max_results: 100, ...q }),
    getRegisteredModel: (name: string) => call<{ registered_model: RegisteredModel }>("GET", api("/registered-models/get"), undefined, { name }),
    searchModelVersions: (q: { filter?: string; max_results?: number; page_token?: string; order_by?: string[] } = {}) =>
      call<{ model_versions?: ModelVersion[] } & Page>("GET", api("/model-versions/search"), undefined, { max_results: 200, ...q }),
    setModelAlias: (name: string, alias: string, version: string) => call<object>("POST", api("/registered-models/alias"), { name, alias, version }),
    deleteModelAlias: (name: string, alias: string) => call<object>("DELETE", api("/registered-models/alias"), { name, alias }),
    transitionStage: (name: string, version: string, stage: string, archiveExisting = false) =>
      call<{ model_version: ModelVersion }>("POST", api("/model-versions/transition-stage"), { name, version, stage, archive_existing_versions: archiveExisting }),
    updateModelDescription: (name: string, description: string) => call<object>("PATCH", api("/registered-models/update"), { name, description }),
    updateVersionDescription: (name: string, version: string, description: string) => call<object>("PATCH", api("/model-versions/update"), { name, version, description }),
    deleteRegisteredModel: (name: string) => call<object>("DELETE", api("/registered-models/delete"), { name }),
    deleteModelVersion: (name: string, version: string) => call<object>("DELETE", api("/model-versions/delete"), { name, version }),
    getExperimentByName: (name: string) => call<{ experiment: Experiment }>("GET", api("/experiments/get-by-name"), undefined, { experiment_name: name }),
    /** The MLflow release behind the gateway (plain text, not JSON). */
    serverVersion: async () => {
      const res = await doFetch(`${base}/version`, { credentials: "same-origin", headers: o.headers });
      if (!res.ok) throw new MlflowApiError(res.status, "INTERNAL_ERROR", `MLflow answered ${res.status}.`);
      return (await res.text()).trim();
    },
  };
}

export type MlflowClient = ReturnType<typeof mlflowClient>;
