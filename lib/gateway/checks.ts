import type { JobInfo } from "./access";
import { artifactPathAllowed } from "./artifact-paths";
import { GatewayError, invalid, unavailable } from "./errors";
import { mergeShapes, type Shape } from "./normalise";
import { proxyListing, refuseOverwrite, runListing } from "./overwrite";
import { transferChecks, type DirectStore } from "./transfers";

/** What a check may look at; `mlflow` reads MLflow inside the caller's workspace. */
export interface CheckContext {
  workspace: string;
  projectPath: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body, for routes whose checks read it, with their fields under MLflow's proto names (normalise.ts). */
  body?: Record<string, unknown>;
  job?: JobInfo;
  mlflow: (pathAndQuery: string) => Promise<{ status: number; json: Record<string, unknown> }>;
  /** The artifact store's public endpoint, when the hub offers direct transfers (transfers.ts). */
  store?: DirectStore;
  /** Whether the caller may delete here: an upload over an existing artifact needs it (overwrite.ts). */
  mayDelete: boolean;
  /** The lowest role that may delete (DELETE_MIN_ACCESS_LEVEL), for refusals. */
  deleteRole: string;
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
  return [...(typeof body.key === "string" ? [body.key] : []), ...tagKeysOf(body.tags), ...tagKeysOf(trace?.trace_info?.tags)];
}

/**
 * MLflow's own trace ids: `tr-` and the 32 hex digits of the OpenTelemetry trace id (v3:
 * tracing/utils generate_trace_id_v3, and what OTLP export stores), or a bare uuid4 hex
 * (v2 start-trace, generate_request_id_v2). The v4 form `trace:/<location>/<hex>` names a
 * Databricks Unity Catalog table, which this server's SQL store never holds. A v3 start
 * takes the caller's id verbatim, and MLflow builds the trace's artifact location from it.
 */
const TRACE_ID = /^(?:tr-)?[0-9a-f]{32}$/;
export const isTraceId = (id: unknown): id is string => typeof id === "string" && TRACE_ID.test(id);
const notTraceId = () => invalid("A trace id in this request is not one MLflow issues (tr- and 32 lowercase hex digits, or 32 hex digits for MLflow 2 traces).");

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

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * What a check looks up in the caller's workspace, when MLflow answers a clean 200
 * with the object the check needs (`pick` finds it). Anything else is a refusal,
 * never a pass: `missing` for a 4xx or a 200 without the object (a lookup that could
 * not name the thing, e.g. an id with a '/', reads as "not here"), 503 when MLflow failed.
 */
export async function lookup<T>(ctx: CheckContext, pathAndQuery: string, pick: (json: Record<string, unknown>) => T | undefined, missing: () => GatewayError): Promise<T> {
  const found = await ctx.mlflow(pathAndQuery);
  if (found.status >= 500) throw unavailable("MLflow");
  const value = found.status === 200 && isObject(found.json) ? pick(found.json) : undefined;
  if (value === undefined) throw missing();
  return value;
}

const objectAt = (json: Record<string, unknown>, key: string) => (isObject(json[key]) ? json[key] : undefined);
const runMissing = (id: string) => () => new GatewayError("RESOURCE_DOES_NOT_EXIST", `Run '${id}' does not exist in this project.`);
const runOf = (ctx: CheckContext, id: string, missing = runMissing(id)) =>
  lookup(ctx, `/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(id)}`, (j) => objectAt(j, "run"), missing);

/**
 * A model version's source is served back by MLflow with the server's own
 * credentials: only sources inside the caller's workspace are acceptable.
 */
export async function sourceAllowed(source: string, ctx: CheckContext): Promise<boolean> {
  if (source.split("/").some((p) => p === "..")) return false;
  if (source.startsWith("models:/")) return true;
  const run = RUNS_URI.exec(source);
  if (!run) return artifactUriInWorkspace(source, ctx.workspace);
  try {
    await runOf(ctx, run[1]);
    return true;
  } catch (e) {
    if (e instanceof GatewayError && e.code === "RESOURCE_DOES_NOT_EXIST") return false;
    throw e;
  }
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
  "artifact-overwrite": async (ctx) => {
    await refuseOverwrite(ctx, proxyListing, firstPathParam(ctx.params));
    return CONTINUE;
  },
  "upload-overwrite": async (ctx) => {
    // MLflow reads the first ?run_uuid= and ?path= (request.args.get), as URLSearchParams.get does.
    await refuseOverwrite(ctx, runListing(ctx.query.get("run_uuid") ?? ""), ctx.query.get("path") ?? "");
    return CONTINUE;
  },
  "experiment-create": (ctx) => {
    if (ctx.body?.artifact_location) throw invalid("artifact_location cannot be set through the hub: artifacts of a project's experiments always live in its own storage.");
    return CONTINUE;
  },
  "model-version-source": async (ctx) => {
    const source = typeof ctx.body?.source === "string" ? ctx.body.source : "";
    if (!(await sourceAllowed(source, ctx))) throw forbidden("A model version's source must be a run, model or artifact of this project (runs:/…, models:/…, or this project's mlflow-artifacts:/ path).");
    const runId = ctx.body?.run_id;
    if (typeof runId === "string" && runId) await runOf(ctx, runId, () => forbidden("The model version's run_id is not a run of this project."));
    return CONTINUE;
  },
  "model-version-artifact": async (ctx) => {
    const name = ctx.query.get("name") ?? "";
    const version = ctx.query.get("version") ?? "";
    // MLflow reads the first ?name= and ?version= (request.args.get), as URLSearchParams.get does.
    const source = await lookup(
      ctx,
      `/api/2.0/mlflow/model-versions/get?name=${encodeURIComponent(name)}&version=${encodeURIComponent(version)}`,
      (j) => {
        const s = objectAt(j, "model_version")?.source;
        return typeof s === "string" ? s : undefined;
      },
      () => new GatewayError("RESOURCE_DOES_NOT_EXIST", "This model version does not exist in this project."),
    );
    if (!(await sourceAllowed(source, ctx))) throw forbidden("This model version's source lies outside this project; the hub does not serve it.");
    return CONTINUE;
  },
  "trace-tag": (ctx) => {
    const key = traceTagKeys(ctx.body ?? {}).find((k) => STORAGE_TAGS.has(k));
    if (key) throw forbidden(`The tag ${key} is managed by MLflow and cannot be set through the hub.`);
    return CONTINUE;
  },
  "trace-id": (ctx) => {
    const info = (ctx.body?.trace as { trace_info?: { trace_id?: unknown } } | undefined)?.trace_info;
    if (!isTraceId(info?.trace_id)) throw notTraceId();
    return CONTINUE;
  },
  "trace-storage": async (ctx) => {
    // Every value of every name any of these routes reads (first or all, GET queries only: see normalise.ts).
    const ids = new Set(["request_id", "trace_id", "trace_ids"].flatMap((name) => ctx.query.getAll(name)));
    if (![...ids].every(isTraceId)) throw notTraceId();
    for (const id of ids) {
      const info = await lookup(
        ctx,
        `/api/3.0/mlflow/traces/${id}`,
        (j) => objectAt(objectAt(j, "trace") ?? {}, "trace_info"),
        () => new GatewayError("RESOURCE_DOES_NOT_EXIST", `Trace '${id}' does not exist in this project.`),
      );
      const tags = isObject(info.tags) ? info.tags : {};
      for (const key of ["mlflow.artifactLocation", "mlflow.trace.archiveLocation"]) {
        const uri = tags[key];
        if (uri !== undefined && !(typeof uri === "string" && artifactUriInWorkspace(uri, ctx.workspace))) throw forbidden("This trace's data lies outside this project; the hub does not serve it.");
      }
    }
    return CONTINUE;
  },
  "entity-reference": async (ctx) => {
    const { models, runs } = entityReferences(ctx.body ?? {});
    for (const id of models) {
      const missing = () => new GatewayError("RESOURCE_DOES_NOT_EXIST", `Logged model '${id}' does not exist in this project.`);
      await lookup(ctx, `/api/2.0/mlflow/logged-models/${encodeURIComponent(id)}`, (j) => objectAt(j, "model"), missing);
    }
    for (const id of runs) await runOf(ctx, id);
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

const TAGS: Shape = { key: true, tags: { key: true } };

/**
 * The body fields each check reads (normalise.ts). A check that needs the JSON body is
 * listed here; the gateway reads (bounded) bodies only for routes that carry one of these.
 */
export const BODY_SHAPES: Readonly<Record<string, Shape>> = {
  "experiment-create": { artifact_location: true },
  "model-version-source": { source: true, run_id: true },
  "trace-tag": { ...TAGS, trace: { trace_info: { tags: true } } },
  "trace-id": { trace: { trace_info: { trace_id: true } } },
  "run-create": { tags: { key: true } },
  "entity-reference": { model_id: true, source_run_id: true, metrics: { model_id: true }, models: { model_id: true } },
  "provenance-tags": TAGS,
  "mpu-create": { path: true, num_parts: true },
  "mpu-complete": { path: true, upload_id: true, parts: { part_number: true, etag: true } },
  "mpu-abort": { path: true, upload_id: true },
  "cloud-presigned-url": { run_id: true, model_id: true },
};

/** The body fields a route's checks read, or undefined when none reads the body. */
export function bodyShapeOf(names: readonly string[]): Shape | undefined {
  const shapes = names.flatMap((n) => (Object.prototype.hasOwnProperty.call(BODY_SHAPES, n) ? [BODY_SHAPES[n]] : []));
  return shapes.length ? shapes.reduce(mergeShapes) : undefined;
}
