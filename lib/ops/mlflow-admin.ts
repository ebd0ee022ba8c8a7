// MLflow reached directly, as an administrator: no gateway, no GitLab role.
// Only operator tools use it (the mlflow-hub CLI); requests name their
// workspace explicitly, the way the gateway does for a project.
import { Readable } from "node:stream";
import { config } from "@/lib/config";

export class MlflowError extends Error {
  override name = "MlflowError";
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;

async function call(workspace: string | null, method: string, route: string, body?: unknown): Promise<Response> {
  const url = `${config().MLFLOW_URL}${route}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...(workspace ? { "X-MLFLOW-WORKSPACE": workspace } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    throw new MlflowError(`MLflow at ${config().MLFLOW_URL} is unreachable (${(e as Error).message})`, 503);
  }
  if (!res.ok) {
    const text = await res.text();
    let parsed: { error_code?: string; message?: string } = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not MLflow's JSON error */
    }
    throw new MlflowError(`MLflow answered ${res.status} to ${method} ${route.split("?")[0]}: ${parsed.message ?? text.slice(0, 200)}`, res.status, parsed.error_code);
  }
  return res;
}

/** One MLflow REST call in a workspace (null: outside any, for the workspaces API); its JSON. */
export async function mlflowJson<T>(workspace: string | null, method: "GET" | "POST", route: string, body?: unknown): Promise<T> {
  return (await (await call(workspace, method, route, body)).json()) as T;
}

/** Every item of a paginated MLflow search (POST with page_token), in MLflow's order. */
export async function searchAll<T>(workspace: string, route: string, key: string, body: Record<string, unknown> = {}): Promise<T[]> {
  const out: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await mlflowJson<Record<string, unknown> & { next_page_token?: string }>(workspace, "POST", route, { ...body, ...(pageToken ? { page_token: pageToken } : {}) });
    out.push(...((page[key] as T[] | undefined) ?? []));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return out;
}

/** Every item of a paginated MLflow GET listing (page_token in the query). */
export async function listAll<T>(workspace: string, route: string, key: string, query: Record<string, string>): Promise<T[]> {
  const out: T[] = [];
  let pageToken: string | undefined;
  do {
    const q = new URLSearchParams({ ...query, ...(pageToken ? { page_token: pageToken } : {}) });
    const page = await mlflowJson<Record<string, unknown> & { next_page_token?: string }>(workspace, "GET", `${route}?${q}`);
    out.push(...((page[key] as T[] | undefined) ?? []));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return out;
}

/** The names of MLflow's workspaces. */
export async function workspaceNames(): Promise<string[]> {
  const { workspaces = [] } = await mlflowJson<{ workspaces?: { name: string }[] }>(null, "GET", "/api/3.0/mlflow/workspaces");
  return workspaces.map((w) => w.name);
}

/** A file of a run's artifacts (path relative to the artifact root of `mlflow-artifacts:/…`), as a stream. */
export async function artifactStream(workspace: string, storagePath: string): Promise<Readable> {
  const res = await call(workspace, "GET", `/api/2.0/mlflow-artifacts/artifacts/${storagePath.split("/").map(encodeURIComponent).join("/")}`);
  return Readable.fromWeb(res.body! as import("node:stream/web").ReadableStream);
}
