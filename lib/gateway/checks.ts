import type { JobInfo } from "./access";
import { artifactPathAllowed } from "./artifact-paths";
import { GatewayError, invalid } from "./errors";
import { TRANSFER_BODY_CHECKS, transferChecks, type DirectStore } from "./transfers";

/** What a check may look at; `mlflow` reads MLflow inside the caller's workspace. */
export interface CheckContext {
  workspace: string;
  projectPath: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, for routes whose checks read it. */
  body?: Record<string, unknown>;
  job?: JobInfo;
  mlflow: (pathAndQuery: string) => Promise<{ status: number; json: Record<string, unknown> }>;
  /** The artifact store's public endpoint, when the hub offers direct transfers (transfers.ts). */
  store?: DirectStore;
}

export type CheckOutcome =
  | { kind: "continue"; body?: Record<string, unknown> }
  /** Answered by the gateway itself, MLflow is not asked. */
  | { kind: "answer"; json: unknown };

const CONTINUE: CheckOutcome = { kind: "continue" };
const forbidden = (why: string) => new GatewayError("PERMISSION_DENIED", why);

/** Tags through which MLflow reads trace data from storage with its own credentials. */
const STORAGE_TAGS = new Set(["mlflow.artifactLocation", "mlflow.trace.spansLocation", "mlflow.trace.archiveLocation"]);

const tagKeysOf = (tags: unknown): string[] =>
  Array.isArray(tags) ? tags.map((t) => (t as { key?: unknown })?.key).filter((k): k is string => typeof k === "string") : tags && typeof tags === "object" ? Object.keys(tags) : [];

/** Tag keys a trace request sets: set-tag's `key`, v2 start/end-trace `tags`, v3 start-trace `trace.trace_info.tags`. */
export function traceTagKeys(body: Record<string, unknown>): string[] {
  const trace = body.trace as { trace_info?: { tags?: unknown } } | undefined;
  const info = body.trace_info as { tags?: unknown } | undefined;
  return [...(typeof body.key === "string" ? [body.key] : []), ...tagKeysOf(body.tags), ...tagKeysOf(trace?.trace_info?.tags), ...tagKeysOf(info?.tags)];
}

/** Ids of other MLflow objects a logging call refers to; MLflow stores them without checking their workspace. */
export function entityReferences(body: Record<string, unknown>): { models: string[]; runs: string[] } {
  const models = new Set<string>();
  const add = (v: unknown) => typeof v === "string" && v && models.add(v);
  add(body.model_id);
  for (const list of [body.metrics, body.models]) if (Array.isArray(list)) for (const item of list) add((item as { model_id?: unknown })?.model_id);
  const runs = typeof body.source_run_id === "string" && body.source_run_id ? [body.source_run_id] : [];
  return { models: [...models], runs };
}

export function artifactUriInWorkspace(uri: string, workspace: string): boolean {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
  return m ? artifactPathAllowed(m[1], workspace) : false;
}

const RUNS_URI = /^runs:\/([0-9a-f]{32})(\/.*)?$/;

/**
 * A model version's source is served back by MLflow with the server's own
 * credentials: only sources inside the caller's workspace are acceptable.
 */
export async function sourceAllowed(source: string, ctx: CheckContext): Promise<boolean> {
  if (source.split("/").some((p) => p === "..")) return false;
  if (source.startsWith("models:/")) return true;
  const run = RUNS_URI.exec(source);
  if (run) return (await ctx.mlflow(`/api/2.0/mlflow/runs/get?run_id=${run[1]}`)).status === 200;
  return artifactUriInWorkspace(source, ctx.workspace);
}

function firstPathParam(params: Record<string, string>): string {
  return Object.values(params)[0] ?? "";
}

type Check = (ctx: CheckContext) => Promise<CheckOutcome> | CheckOutcome;

const PROVENANCE_PREFIX = "gitlab.ci.";

function refuseProvenance(keys: string[]) {
  const key = keys.find((k) => k.startsWith(PROVENANCE_PREFIX));
  if (key) throw forbidden(`Tags under ${PROVENANCE_PREFIX} record the CI pipeline that created a run; only the hub sets them (${key}).`);
}

/** Provenance GitLab gives for free: a run created by a CI job says which pipeline, job and commit made it. */
function provenanceTags(job: JobInfo, projectPath?: string) {
  return [
    ["gitlab.ci.pipeline_id", String(job.pipelineId)],
    ["gitlab.ci.pipeline_url", job.pipelineUrl],
    ["gitlab.ci.job_id", String(job.id)],
    ["gitlab.ci.job_url", job.url],
    ["gitlab.ci.commit_sha", job.sha],
    ["gitlab.ci.ref", job.ref],
    ["gitlab.ci.user", job.username],
    ...(projectPath ? [["gitlab.project", projectPath]] : []),
    ["mlflow.source.git.commit", job.sha],
  ].map(([key, value]) => ({ key, value }));
}

export const checks: Record<string, Check> = {
  "artifact-path": (ctx) => {
    // Routes with a path parameter take the storage path from the URL alone; ?path= belongs to the list route.
    const path = Object.keys(ctx.params).length > 0 ? firstPathParam(ctx.params) : (ctx.query.get("path") ?? "");
    if (!artifactPathAllowed(path, ctx.workspace)) throw forbidden("Artifact paths must lie inside this project's MLflow (workspaces/<workspace>/<experiment id>/…).");
    return CONTINUE;
  },
  "experiment-create": (ctx) => {
    if (ctx.body?.artifact_location) throw invalid("artifact_location cannot be set through the hub: artifacts of a project's experiments always live in its own storage.");
    return CONTINUE;
  },
  "model-version-source": async (ctx) => {
    const source = typeof ctx.body?.source === "string" ? ctx.body.source : "";
    if (!(await sourceAllowed(source, ctx))) throw forbidden("A model version's source must be a run, model or artifact of this project (runs:/…, models:/…, or this project's mlflow-artifacts:/ path).");
    if (typeof ctx.body?.run_id === "string" && ctx.body.run_id && (await ctx.mlflow(`/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(ctx.body.run_id)}`)).status !== 200) {
      throw forbidden("The model version's run_id is not a run of this project.");
    }
    return CONTINUE;
  },
  "model-version-artifact": async (ctx) => {
    const name = ctx.query.get("name") ?? "";
    const version = ctx.query.get("version") ?? "";
    const found = await ctx.mlflow(`/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(name)}&version=${encodeURIComponent(version)}`);
    const source = (found.json.model_version as { source?: string } | undefined)?.source;
    if (found.status !== 200 || !source) return CONTINUE;
    if (!(await sourceAllowed(source, ctx))) throw forbidden("This model version's source lies outside this project; the hub does not serve it.");
    return CONTINUE;
  },
  "trace-tag": (ctx) => {
    const key = traceTagKeys(ctx.body ?? {}).find((k) => STORAGE_TAGS.has(k));
    if (key) throw forbidden(`The tag ${key} is managed by MLflow and cannot be set through the hub.`);
    return CONTINUE;
  },
  "trace-storage": async (ctx) => {
    const ids = ["request_id", "trace_id", "trace_ids"].flatMap((name) => ctx.query.getAll(name)).flatMap((v) => v.split(",")).filter(Boolean);
    for (const id of new Set(ids)) {
      const found = await ctx.mlflow(`/api/3.0/mlflow/traces/${encodeURIComponent(id)}`);
      const tags = ((found.json.trace as { trace_info?: { tags?: Record<string, string> } } | undefined)?.trace_info?.tags ?? {}) as Record<string, string>;
      for (const key of ["mlflow.artifactLocation", "mlflow.trace.archiveLocation"]) {
        if (tags[key] !== undefined && !artifactUriInWorkspace(tags[key], ctx.workspace)) throw forbidden("This trace's data lies outside this project; the hub does not serve it.");
      }
    }
    return CONTINUE;
  },
  "entity-reference": async (ctx) => {
    const { models, runs } = entityReferences(ctx.body ?? {});
    for (const id of models) {
      if ((await ctx.mlflow(`/api/2.0/mlflow/logged-models/${encodeURIComponent(id)}`)).status !== 200) {
        throw new GatewayError("RESOURCE_DOES_NOT_EXIST", `Logged model '${id}' does not exist in this project.`);
      }
    }
    for (const id of runs) {
      if ((await ctx.mlflow(`/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(id)}`)).status !== 200) {
        throw new GatewayError("RESOURCE_DOES_NOT_EXIST", `Run '${id}' does not exist in this project.`);
      }
    }
    return CONTINUE;
  },
  "workspace-get": (ctx) => {
    if (ctx.params.workspace_name !== ctx.workspace) throw new GatewayError("RESOURCE_DOES_NOT_EXIST", "Workspace not found.");
    return CONTINUE;
  },
  // MLflow 3.17.2's GraphQL resolvers read only through the workspace-scoped stores (routes.ts);
  // the conformance suite asks it for other projects' ids to keep that true.
  graphql: () => CONTINUE,
  "workspace-list": (ctx) => ({ kind: "answer", json: { workspaces: [{ name: ctx.workspace, description: "This GitLab project's MLflow" }] } }),
  "run-create": (ctx) => {
    // A job's own look-alike tags are replaced by the hub's (whose values it cannot choose); anyone else's are refused.
    if (!ctx.job || !ctx.body) {
      refuseProvenance(tagKeysOf(ctx.body?.tags));
      return CONTINUE;
    }
    const tags = Array.isArray(ctx.body.tags) ? (ctx.body.tags as { key: string }[]) : [];
    const ours = provenanceTags(ctx.job, ctx.projectPath);
    const keys = new Set(ours.map((t) => t.key));
    const theirs = tags.filter((t) => !keys.has(t.key) && !t.key?.startsWith(PROVENANCE_PREFIX));
    return { kind: "continue", body: { ...ctx.body, tags: [...theirs, ...ours] } };
  },
  "provenance-tags": (ctx) => {
    refuseProvenance([...(typeof ctx.body?.key === "string" ? [ctx.body.key] : []), ...tagKeysOf(ctx.body?.tags)]);
    return CONTINUE;
  },
  ...transferChecks,
};

/** Checks that need the JSON body; the gateway reads (bounded) bodies only for routes that carry one of these. */
export const BODY_CHECKS = new Set<string>(["experiment-create", "model-version-source", "trace-tag", "run-create", "entity-reference", "provenance-tags", ...TRANSFER_BODY_CHECKS]);
