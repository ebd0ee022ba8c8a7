/**
 * The route table: every HTTP route the pinned MLflow (3.17.2) serves, with the
 * action the gateway authorises it as. This table is the gateway's security
 * policy; a route missing from it is answered 404 ENDPOINT_NOT_FOUND.
 *
 * mlflow-routes.json is MLflow's own inventory, and routes.test.ts fails when it
 * and this table disagree (a pin bump that adds a route fails until it is
 * classified here). Regenerate it after a pin bump:
 *
 *   npx tsx infra/local/cli.ts tools        # prints "MLflow virtualenv: <dir>"
 *   <dir>/bin/python infra/mlflow/list_routes.py > lib/gateway/mlflow-routes.json
 *
 * Actions:
 * - read: anything that only returns data, POST searches included.
 * - write: creates, updates, logs, sets or removes tags and aliases, links and
 *   unlinks (metadata a writer can set back).
 * - delete: deletes a thing (experiment, run, model, version, trace, dataset,
 *   artifact, …) and also restores one: a restore reverses a delete, so it is
 *   the same decision about the thing's life, and a role that may not delete
 *   should not bring back what someone allowed to delete removed.
 * - public: answered for anyone, without resolving the project: static UI
 *   assets, health, version, server capabilities. None says anything about a
 *   project.
 * - refused: server-wide or outbound features, never through a project URI.
 */

export type RouteAction = "public" | "read" | "write" | "delete" | "refused";

/** Extra checks the gateway makes beyond role, where MLflow does not scope by itself (mlflow-workspaces.md). */
export type RouteCheck =
  /**
   * The raw artifact path (path parameter, or ?path= for the list route) must be
   * `workspaces/<ws>/<digits>/…`. 3.17.2 rewrites unprefixed paths into the
   * request's workspace, so this is defence in depth. MLflow percent-decodes the
   * path until stable (mlflow/utils/uri.py validate_path_is_safe), so compare
   * the fully decoded form.
   */
  | "artifact-path"
  /**
   * An upload over an existing file destroys it: for callers below the delete floor
   * (DELETE_MIN_ACCESS_LEVEL) the upload's directory is listed and an existing file
   * refuses it (overwrite.ts). The mlflow-artifacts PUT takes the path from the URL,
   * ajax upload-artifact from ?run_uuid= and ?path=; the multipart checks do it themselves.
   */
  | "artifact-overwrite"
  | "upload-overwrite"
  /** Refuse artifact_location (MLflow refuses it too when workspaces are on; answer clearly first). */
  | "experiment-create"
  /**
   * source must be models:/…, runs:/<run in ws>/…, or mlflow-artifacts:/workspaces/<ws>/….
   * 3.17.2 validates runs:/ and mlflow-artifacts: sources against run_id/model_id,
   * but any other scheme (s3://<the artifacts bucket>/workspaces/<other>/…) passes
   * (handlers.py _validate_source_run) and is then served back.
   */
  | "model-version-source"
  /** Serve model-versions/get-artifact only for versions whose source passes the rule above. */
  | "model-version-artifact"
  /**
   * Refuse the storage tags mlflow.artifactLocation, mlflow.trace.spansLocation
   * and mlflow.trace.archiveLocation in set-tag (key/value), start-trace (v2
   * `tags` list, v3 `trace.trace_info.tags` map) and v2 end-trace (`tags`).
   * MLflow refuses the last two only in set-tag (handlers.py
   * _HANDLER_BLOCKED_TRACE_TAGS); 3.17.2 takes mlflow.artifactLocation from
   * set-tag and both others from start-trace, and get-trace-artifact then reads
   * another workspace's trace files.
   */
  | "trace-tag"
  /**
   * A v3 start-trace's trace.trace_info.trace_id must be an id MLflow issues (tr-<32 hex>,
   * checks.ts isTraceId): 3.17.2 stores the caller's id verbatim and builds the trace's
   * artifact location from it, and an id with a '/' cannot be looked up by id afterwards.
   */
  | "trace-id"
  /** Answer with only the caller's workspace. */
  | "workspace-list"
  /** Forward only when <workspace_name> is the caller's workspace; any other name is answered 404. */
  | "workspace-get"
  /** CI provenance tags are added when the caller is a CI job; callers may not supply gitlab.ci.* tags themselves. */
  | "run-create"
  /** gitlab.ci.* tags are the gateway's record of which pipeline made a run: no caller sets or deletes them. */
  | "provenance-tags"
  /** Body inspected (re-verify what MLflow scopes): in 3.17.2 every resolver only reads through the workspace-scoped stores. */
  | "graphql"
  /**
   * Ids of other MLflow objects in the body must exist in the caller's workspace
   * (e.g. GET logged-models/<id> answers 200 there): metrics[].model_id
   * (log-metric: model_id; log-batch: metrics[].model_id), models[].model_id
   * (log-inputs, runs/outputs), source_run_id (logged-models create), model_id
   * (model-versions/create, which 3.17.2 also refuses by itself). MLflow
   * stores them unchecked; a metric logged with another workspace's model_id
   * lands in that model (store/tracking/sqlalchemy_store.py _log_model_metrics).
   */
  | "entity-reference"
  /**
   * Before forwarding, read the named trace(s) in the caller's workspace (ids only
   * in MLflow's own format; a trace the lookup does not find is refused) and
   * refuse when mlflow.artifactLocation (or, with spans location ARCHIVE_REPO,
   * mlflow.trace.archiveLocation) is not under mlflow-artifacts:/workspaces/<ws>/.
   * These reads dereference the tags with the server's credentials and no
   * workspace check (handlers.py _get_trace_repo_from_uri, the store's
   * _get_spans_with_trace_info), and OTLP (/v1/traces) can set them through
   * mlflow.traceTag.* root-span attributes, which "trace-tag" cannot see.
   */
  | "trace-storage"
  /**
   * Answered by the gateway from MLflow's own answer, with the artifact-transfer
   * keys saying what works through the hub (transfers.ts): MLflow advertises
   * multipart and presigned transfers with URLs of the store it reaches.
   */
  | "server-info"
  /**
   * mlflow-artifacts/mpu/create|complete|abort and presigned: answered by the
   * gateway itself, with URLs signed for the store's public endpoint when the hub
   * has one (S3_PUBLIC_URL), else a 501 the MLflow client falls back on.
   */
  | "mpu-create"
  | "mpu-complete"
  | "mpu-abort"
  | "presigned-download"
  /** artifacts/presigned-upload-url and presigned-download-url: never offered (transfers.ts). */
  | "cloud-presigned-url";

export interface RouteEntry {
  /** As MLflow serves them (HEAD is matched as GET). */
  methods: readonly string[];
  /** MLflow's own rule, exactly as in mlflow-routes.json (leading slash, Flask syntax). */
  path: string;
  action: RouteAction;
  checks?: readonly RouteCheck[];
  /** Required for "refused" and for "public": why. */
  reason?: string;
}

export interface RouteMatch {
  entry: RouteEntry;
  params: Record<string, string>;
}

type Methods = string | readonly string[];
interface Options {
  checks?: readonly RouteCheck[];
  reason?: string;
}

const list = (methods: Methods): readonly string[] => (typeof methods === "string" ? [methods] : methods);

function entry(path: string, methods: Methods, action: RouteAction, o: Options = {}): RouteEntry {
  return { methods: list(methods), path, action, ...(o.checks ? { checks: o.checks } : {}), ...(o.reason ? { reason: o.reason } : {}) };
}

/** An rpc MLflow registers under both /api/ and /ajax-api/ (`rest` starts with the version, e.g. "2.0/mlflow/…"). */
const both = (rest: string, methods: Methods, action: RouteAction, o?: Options) => [
  entry(`/api/${rest}`, methods, action, o),
  entry(`/ajax-api/${rest}`, methods, action, o),
];
/** A route the UI calls that exists only under /ajax-api/. */
const ajax = (rest: string, methods: Methods, action: RouteAction, o?: Options) => [entry(`/ajax-api/${rest}`, methods, action, o)];
const root = (path: string, methods: Methods, action: RouteAction, o?: Options) => [entry(path, methods, action, o)];

const ARTIFACT = { checks: ["artifact-path"] } as const;
const TRACE_TAG = { checks: ["trace-tag"] } as const;
const TRACE_STORAGE = { checks: ["trace-storage"] } as const;
const REFERENCES = { checks: ["entity-reference"] } as const;

const NOT_IMPLEMENTED = { reason: "Bound to _not_implemented in the open-source server (answers 501): a Databricks-only API with nothing to reach." };
const WORKSPACES = { reason: "Workspace management is server-wide: it could set any artifact root, rename or delete tenants, or move their data into `default`." };
const WEBHOOKS = { reason: "Webhooks make the MLflow server call out to any URL (create, update, test) and are administered server-side, not per project." };
const AI_GATEWAY = {
  reason: "AI-gateway configuration (provider secrets, endpoints, model definitions, budgets, guardrails) holds credentials and drives outbound calls; the hub does not offer it per project.",
};
const GATEWAY_DATA_PLANE = { reason: "The AI gateway's data plane calls external model providers with stored secrets: an outbound feature the hub does not offer." };
const GATEWAY_PROXY = { reason: "Legacy deployments proxy: forwards to the server-wide MLFLOW_DEPLOYMENTS_TARGET, an outbound URL feature." };
const ASSISTANT = {
  reason: "The assistant runs tools (a shell, with the sandbox optional) on the MLflow host and treats same-host callers as local — the gateway is one.",
};
const MCP = { reason: "MCP server registry: tool servers and access endpoints (URLs) for the assistant and AI gateway, which the hub does not offer." };
const SERVER_JOBS = {
  reason: "Makes the MLflow server run work for the caller (LLM judges, evaluation, issue detection, prompt optimisation) in job processes with the server's credentials.",
};
const DEMO = {
  reason: "Seeds or hard-deletes MLflow's demo data, and sets the process-wide MLFLOW_WORKSPACE variable while it runs (mlflow/demo/__init__.py) — not project data.",
};

export const routeTable: readonly RouteEntry[] = Object.freeze([
  // The stock UI.
  // Static HTML, yet it is the UI's entry: as `read` the gateway can send a browser
  // without a session to sign in, answer 404 for projects the caller cannot see, and
  // redirect to ?workspace=<ws> (mlflow-workspaces.md) — none of which a public route can.
  ...root("/", "GET", "read"),
  ...root("/static-files/<path:path>", "GET", "public", { reason: "The UI's JavaScript, CSS and images: the same bytes for every project." }),
  ...root("/build/<path:filename>", "GET", "public", { reason: "Flask's default static route over the same UI build directory as /static-files." }),
  ...root("/health", "GET", "public", { reason: "Liveness: answers OK, names nothing." }),
  ...root("/version", "GET", "public", { reason: "MLflow's version string, the same for every project." }),
  ...both("3.0/mlflow/server-info", "GET", "public", {
    reason: "Server capabilities (store type, workspaces, multipart); MLflow serves it unauthenticated and skips workspace resolution for it.",
    checks: ["server-info"],
  }),
  ...ajax("3.0/mlflow/ui-telemetry", "GET", "public", {
    reason: "The UI's telemetry switch: with MLFLOW_DISABLE_TELEMETRY it answers a fixed 'disabled', telling the UI not to send events.",
  }),
  ...ajax("3.0/mlflow/ui-telemetry", "POST", "refused", {
    reason: "Relays UI events to MLflow's telemetry service, a third party; the hub's server runs with telemetry off and the UI stops after GET says so.",
  }),
  ...root("/graphql", ["GET", "POST"], "read", { checks: ["graphql"] }),

  // Workspaces: one per project, managed by the hub.
  ...both("3.0/mlflow/workspaces", "GET", "read", { checks: ["workspace-list"] }),
  ...both("3.0/mlflow/workspaces", "POST", "refused", WORKSPACES),
  ...both("3.0/mlflow/workspaces/<workspace_name>", "GET", "read", { checks: ["workspace-get"] }),
  ...both("3.0/mlflow/workspaces/<workspace_name>", ["PATCH", "DELETE"], "refused", WORKSPACES),

  // Experiments.
  ...both("2.0/mlflow/experiments/create", "POST", "write", { checks: ["experiment-create"] }),
  ...both("2.0/mlflow/experiments/get", "GET", "read"),
  ...both("2.0/mlflow/experiments/get-by-name", "GET", "read"),
  ...both("2.0/mlflow/experiments/search", ["GET", "POST"], "read"),
  ...both("2.0/mlflow/experiments/update", "POST", "write"),
  ...both("2.0/mlflow/experiments/set-experiment-tag", "POST", "write"),
  ...both("2.0/mlflow/experiments/delete-experiment-tag", "POST", "write"),
  ...both("2.0/mlflow/experiments/delete", "POST", "delete"),
  ...both("2.0/mlflow/experiments/restore", "POST", "delete"),
  ...ajax("2.0/mlflow/experiments/search-datasets", "POST", "read"),
  // The proto declares this path without its slash; MLflow registers it verbatim.
  ...both("2.0mlflow/experiments/search-datasets", "POST", "refused", NOT_IMPLEMENTED),

  // Runs.
  ...both("2.0/mlflow/runs/create", "POST", "write", { checks: ["run-create"] }),
  ...ajax("2.0/mlflow/runs/create-promptlab-run", "POST", "write", { checks: ["run-create"] }),
  ...both("2.0/mlflow/runs/get", "GET", "read"),
  ...both("2.0/mlflow/runs/search", "POST", "read"),
  ...both("2.0/mlflow/runs/update", "POST", "write"),
  ...both("2.0/mlflow/runs/log-metric", "POST", "write", REFERENCES),
  ...both("2.0/mlflow/runs/log-batch", "POST", "write", { checks: ["entity-reference", "provenance-tags"] }),
  ...both("2.0/mlflow/runs/log-parameter", "POST", "write"),
  ...both("2.0/mlflow/runs/log-model", "POST", "write"),
  ...both("2.0/mlflow/runs/log-inputs", "POST", "write", REFERENCES),
  ...both("2.0/mlflow/runs/outputs", "POST", "write", REFERENCES),
  ...both("2.0/mlflow/runs/set-tag", "POST", "write", { checks: ["provenance-tags"] }),
  ...both("2.0/mlflow/runs/delete-tag", "POST", "write", { checks: ["provenance-tags"] }),
  ...both("2.0/mlflow/runs/delete", "POST", "delete"),
  ...both("2.0/mlflow/runs/restore", "POST", "delete"),
  ...both("2.0/mlflow/metrics/get-history", "GET", "read"),
  ...both("2.0/mlflow/metrics/get-history-bulk-interval", "GET", "read"),
  ...ajax("2.0/mlflow/metrics/get-history-bulk", "GET", "read"),

  // Run artifacts, addressed through a run of the workspace.
  ...both("2.0/mlflow/artifacts/list", "GET", "read"),
  ...both("2.0/mlflow/artifacts/presigned-download-url", "POST", "read", { checks: ["cloud-presigned-url"] }),
  ...both("2.0/mlflow/artifacts/presigned-upload-url", "POST", "write", { checks: ["cloud-presigned-url"] }),
  ...root("/get-artifact", "GET", "read"),
  ...ajax("2.0/mlflow/upload-artifact", "POST", "write", { checks: ["upload-overwrite"] }),

  // The artifact proxy: raw storage paths.
  ...both("2.0/mlflow-artifacts/artifacts", "GET", "read", ARTIFACT),
  ...both("2.0/mlflow-artifacts/artifacts/<path:artifact_path>", "GET", "read", ARTIFACT),
  ...both("2.0/mlflow-artifacts/artifacts/<path:artifact_path>", "PUT", "write", { checks: ["artifact-path", "artifact-overwrite"] }),
  ...both("2.0/mlflow-artifacts/artifacts/<path:artifact_path>", "DELETE", "delete", ARTIFACT),
  // Answered by the gateway (transfers.ts): MLflow would sign URLs of the internal store.
  ...both("2.0/mlflow-artifacts/mpu/create/<path:artifact_path>", "POST", "write", { checks: ["artifact-path", "mpu-create"] }),
  ...both("2.0/mlflow-artifacts/mpu/complete/<path:artifact_path>", "POST", "write", { checks: ["artifact-path", "mpu-complete"] }),
  ...both("2.0/mlflow-artifacts/mpu/abort/<path:artifact_path>", "POST", "write", { checks: ["artifact-path", "mpu-abort"] }),
  ...both("2.0/mlflow-artifacts/presigned/<path:artifact_path>", "GET", "read", { checks: ["artifact-path", "presigned-download"] }),

  // Logged models.
  ...both("2.0/mlflow/logged-models", "POST", "write", REFERENCES),
  ...both("2.0/mlflow/logged-models/search", "POST", "read"),
  ...both("2.0/mlflow/logged-models/<model_id>", "GET", "read"),
  ...both("2.0/mlflow/logged-models/<model_id>", "PATCH", "write"),
  ...both("2.0/mlflow/logged-models/<model_id>", "DELETE", "delete"),
  ...both("2.0/mlflow/logged-models/<model_id>/params", "POST", "write"),
  ...both("2.0/mlflow/logged-models/<model_id>/tags", "PATCH", "write"),
  ...both("2.0/mlflow/logged-models/<model_id>/tags/<tag_key>", "DELETE", "write"),
  ...both("2.0/mlflow/logged-models/<model_id>/artifacts/directories", "GET", "read"),
  ...ajax("2.0/mlflow/logged-models/<model_id>/artifacts/files", "GET", "read"),

  // Model registry (prompts are registered models too).
  ...both("2.0/mlflow/registered-models/create", "POST", "write"),
  ...both("2.0/mlflow/registered-models/get", "GET", "read"),
  ...both("2.0/mlflow/registered-models/search", "GET", "read"),
  ...both("2.0/mlflow/registered-models/get-latest-versions", ["GET", "POST"], "read"),
  ...both("2.0/mlflow/registered-models/rename", "POST", "write"),
  ...both("2.0/mlflow/registered-models/update", "PATCH", "write"),
  ...both("2.0/mlflow/registered-models/set-tag", "POST", "write"),
  ...both("2.0/mlflow/registered-models/delete-tag", "DELETE", "write"),
  ...both("2.0/mlflow/registered-models/alias", "GET", "read"),
  ...both("2.0/mlflow/registered-models/alias", ["POST", "DELETE"], "write"),
  ...both("2.0/mlflow/registered-models/delete", "DELETE", "delete"),
  ...both("2.0/mlflow/model-versions/create", "POST", "write", { checks: ["model-version-source", "entity-reference"] }),
  ...both("2.0/mlflow/model-versions/get", "GET", "read"),
  ...both("2.0/mlflow/model-versions/search", "GET", "read"),
  // Answers the stored source URI; a client then fetches it through the artifact proxy (checked) or with its own storage credentials.
  ...both("2.0/mlflow/model-versions/get-download-uri", "GET", "read"),
  ...both("2.0/mlflow/model-versions/update", "PATCH", "write"),
  ...both("2.0/mlflow/model-versions/transition-stage", "POST", "write"),
  ...both("2.0/mlflow/model-versions/set-tag", "POST", "write"),
  ...both("2.0/mlflow/model-versions/delete-tag", "DELETE", "write"),
  ...both("2.0/mlflow/model-versions/delete", "DELETE", "delete"),
  ...root("/model-versions/get-artifact", "GET", "read", { checks: ["model-version-artifact"] }),

  // Traces, v2 (deprecated) and v3.
  ...both("2.0/mlflow/traces", "POST", "write", TRACE_TAG),
  ...both("2.0/mlflow/traces", "GET", "read"),
  ...both("2.0/mlflow/traces/<request_id>", "PATCH", "write", TRACE_TAG),
  ...both("2.0/mlflow/traces/<request_id>/info", "GET", "read"),
  ...both("2.0/mlflow/traces/<request_id>/tags", "PATCH", "write", TRACE_TAG),
  ...both("2.0/mlflow/traces/<request_id>/tags", "DELETE", "write"),
  ...both("2.0/mlflow/traces/delete-traces", "POST", "delete"),
  ...both("2.0/mlflow/traces/link-prompts", "POST", "write"),
  ...both("2.0/mlflow/traces/link-to-run", "POST", "write"),
  ...both("3.0/mlflow/traces", "POST", "write", { checks: ["trace-tag", "trace-id"] }),
  ...both("3.0/mlflow/traces/<trace_id>", "GET", "read"),
  ...both("3.0/mlflow/traces/get", "GET", "read", TRACE_STORAGE),
  ...both("3.0/mlflow/traces/batchGet", "GET", "read", TRACE_STORAGE),
  ...both("3.0/mlflow/traces/batchGetInfos", "POST", "read"),
  ...both("3.0/mlflow/traces/search", "POST", "read"),
  ...both("3.0/mlflow/traces/metrics", "POST", "read"),
  ...both("3.0/mlflow/traces/calculate-filter-correlation", "POST", "read"),
  ...both("3.0/mlflow/traces/delete-traces", "POST", "delete"),
  ...both("3.0/mlflow/traces/<trace_id>/tags", "PATCH", "write", TRACE_TAG),
  ...both("3.0/mlflow/traces/<trace_id>/tags", "DELETE", "write"),
  ...both("3.0/mlflow/traces/<trace_id>/assessments", "POST", "write"),
  ...both("3.0/mlflow/traces/<trace_id>/assessments/<assessment_id>", "GET", "read"),
  ...both("3.0/mlflow/traces/<trace_id>/assessments/<assessment_id>", "PATCH", "write"),
  ...both("3.0/mlflow/traces/<trace_id>/assessments/<assessment_id>", "DELETE", "delete"),
  ...ajax("2.0/mlflow/get-trace-artifact", "GET", "read", TRACE_STORAGE),
  ...ajax("3.0/mlflow/get-trace-artifact", "GET", "read", TRACE_STORAGE),
  // OTLP export; MLflow resolves x-mlflow-experiment-id inside the forced workspace.
  // Its root-span mlflow.traceTag.* attributes can set storage tags: "trace-storage" guards the reads.
  ...root("/v1/traces", "POST", "write"),
  ...both("2.0/mlflow/get-online-trace-details", "GET", "refused", NOT_IMPLEMENTED),
  ...both("2.0/mlflow/unified-traces", "GET", "refused", NOT_IMPLEMENTED),

  // GenAI evaluation data: datasets, scorers, issues, labelling.
  ...both("3.0/mlflow/datasets/create", "POST", "write"),
  ...both("3.0/mlflow/datasets/search", ["GET", "POST"], "read"),
  ...both("3.0/mlflow/datasets/<dataset_id>", "GET", "read"),
  ...both("3.0/mlflow/datasets/<dataset_id>", "DELETE", "delete"),
  ...both("3.0/mlflow/datasets/<dataset_id>/experiment-ids", "GET", "read"),
  ...both("3.0/mlflow/datasets/<dataset_id>/add-experiments", "POST", "write"),
  ...both("3.0/mlflow/datasets/<dataset_id>/remove-experiments", "POST", "write"),
  ...both("3.0/mlflow/datasets/<dataset_id>/records", "GET", "read"),
  ...both("3.0/mlflow/datasets/<dataset_id>/records", "POST", "write"),
  ...both("3.0/mlflow/datasets/<dataset_id>/records", "DELETE", "delete"),
  ...both("3.0/mlflow/datasets/<dataset_id>/tags", "PATCH", "write"),
  ...both("3.0/mlflow/datasets/<dataset_id>/tags/<key>", "DELETE", "write"),
  // Stored judge definitions; MLflow refuses custom-code scorers unless the server opts in.
  ...both("3.0/mlflow/scorers/register", "POST", "write"),
  ...both("3.0/mlflow/scorers/get", "GET", "read"),
  ...both("3.0/mlflow/scorers/list", "GET", "read"),
  ...both("3.0/mlflow/scorers/versions", "GET", "read"),
  ...both("3.0/mlflow/scorers/online-configs", "GET", "read"),
  ...both("3.0/mlflow/scorers/delete", "DELETE", "delete"),
  ...both("3.0/mlflow/scorers/online-config", "PUT", "refused", {
    reason: "Schedules server-side scoring of every new trace with LLM judges (periodic jobs with the server's credentials).",
  }),
  ...ajax("3.0/mlflow/scorer/invoke", "POST", "refused", SERVER_JOBS),
  ...ajax("3.0/mlflow/genai/evaluate/invoke", "POST", "refused", SERVER_JOBS),
  ...both("3.0/mlflow/issues", "POST", "write"),
  ...both("3.0/mlflow/issues/search", "POST", "read"),
  ...both("3.0/mlflow/issues/<issue_id>", "GET", "read"),
  ...both("3.0/mlflow/issues/<issue_id>", "PATCH", "write"),
  ...ajax("3.0/mlflow/issues/invoke", "POST", "refused", SERVER_JOBS),
  ...both("3.0/mlflow/label-schemas/create", "POST", "write"),
  ...both("3.0/mlflow/label-schemas/get", "GET", "read"),
  ...both("3.0/mlflow/label-schemas/get-by-name", "GET", "read"),
  ...both("3.0/mlflow/label-schemas/list", "GET", "read"),
  ...both("3.0/mlflow/label-schemas/update", "PATCH", "write"),
  ...both("3.0/mlflow/label-schemas/delete", "DELETE", "delete"),
  ...both("3.0/mlflow/review-queues/create", "POST", "write"),
  ...both("3.0/mlflow/review-queues/get", "GET", "read"),
  ...both("3.0/mlflow/review-queues/get-by-name", "GET", "read"),
  ...both("3.0/mlflow/review-queues/list", "GET", "read"),
  ...both("3.0/mlflow/review-queues/update", "POST", "write"),
  ...both("3.0/mlflow/review-queues/get-or-create-user", "POST", "write"),
  ...both("3.0/mlflow/review-queues/items/list", "GET", "read"),
  ...both("3.0/mlflow/review-queues/items/add", "POST", "write"),
  ...both("3.0/mlflow/review-queues/items/remove", "POST", "write"),
  ...both("3.0/mlflow/review-queues/items/set-status", "POST", "write"),
  ...both("3.0/mlflow/review-queues/delete", "POST", "delete"),

  // Jobs live in the workspace's job store (WorkspaceAwareSqlAlchemyJobStore): a project may
  // look at and cancel its own, but never start one.
  ...ajax("3.0/jobs/", "POST", "refused", SERVER_JOBS),
  ...ajax("3.0/jobs/search", "POST", "read"),
  ...ajax("3.0/jobs/<job_id>", "GET", "read"),
  ...ajax("3.0/jobs/cancel/<job_id>", "PATCH", "write"),
  ...ajax("3.0/mlflow/jobs/<job_id>", "GET", "read"),
  ...ajax("3.0/mlflow/jobs/cancel/<job_id>", "PATCH", "write"),
  ...both("3.0/mlflow/prompt-optimization/jobs", "POST", "refused", SERVER_JOBS),
  ...both("3.0/mlflow/prompt-optimization/jobs/search", ["GET", "POST"], "read"),
  ...both("3.0/mlflow/prompt-optimization/jobs/<job_id>", "GET", "read"),
  ...both("3.0/mlflow/prompt-optimization/jobs/<job_id>/cancel", "POST", "write"),
  ...both("3.0/mlflow/prompt-optimization/jobs/<job_id>", "DELETE", "delete"),

  ...ajax("3.0/mlflow/demo/generate", "POST", "refused", DEMO),
  ...ajax("3.0/mlflow/demo/delete", "POST", "refused", DEMO),

  // Webhooks.
  ...both("2.0/mlflow/webhooks", ["GET", "POST"], "refused", WEBHOOKS),
  ...both("2.0/mlflow/webhooks/<webhook_id>", ["GET", "PATCH", "DELETE"], "refused", WEBHOOKS),
  ...both("2.0/mlflow/webhooks/<webhook_id>/test", "POST", "refused", WEBHOOKS),

  // AI gateway: configuration, provider catalogue, data plane, legacy proxy.
  ...both("3.0/mlflow/gateway/secrets/create", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/secrets/get", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/secrets/list", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/secrets/update", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/secrets/delete", "DELETE", "refused", AI_GATEWAY),
  ...ajax("3.0/mlflow/gateway/secrets/config", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/create", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/get", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/list", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/update", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/delete", "DELETE", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/set-tag", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/delete-tag", "DELETE", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/models/attach", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/models/detach", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/bindings/create", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/bindings/list", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/endpoints/bindings/delete", "DELETE", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/model-definitions/create", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/model-definitions/get", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/model-definitions/list", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/model-definitions/update", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/model-definitions/delete", "DELETE", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/budgets/create", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/budgets/get", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/budgets/list", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/budgets/update", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/budgets/delete", "DELETE", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/budgets/windows", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/create", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/get", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/list", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/list-for-endpoint", "GET", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/add-to-endpoint", "POST", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/update-config", "PATCH", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/remove-from-endpoint", "DELETE", "refused", AI_GATEWAY),
  ...both("3.0/mlflow/gateway/guardrails/delete", "DELETE", "refused", AI_GATEWAY),
  ...ajax("3.0/mlflow/gateway/supported-providers", "GET", "refused", AI_GATEWAY),
  ...ajax("3.0/mlflow/gateway/supported-models", "GET", "refused", AI_GATEWAY),
  ...ajax("3.0/mlflow/gateway/provider-config", "GET", "refused", AI_GATEWAY),
  ...root("/gateway/<endpoint_name>/mlflow/invocations", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/mlflow/v1/chat/completions", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/mlflow/v1/models", "GET", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/openai/v1/chat/completions", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/openai/v1/embeddings", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/openai/v1/responses", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/openai/v1/responses/compact", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/anthropic/v1/messages", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/gemini/v1beta/models/<endpoint_name>:generateContent", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/gemini/v1beta/models/<endpoint_name>:streamGenerateContent", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/typesafe/v1/systemone", "POST", "refused", GATEWAY_DATA_PLANE),
  ...root("/gateway/proxy/<endpoint_name>/<path:path>", "POST", "refused", GATEWAY_DATA_PLANE),
  ...ajax("2.0/mlflow/gateway-proxy", ["GET", "POST"], "refused", GATEWAY_PROXY),

  // Assistant.
  ...ajax("3.0/mlflow/assistant/message", "POST", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/config", ["GET", "PUT"], "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/providers", "GET", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/providers/<provider>/health", "GET", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/providers/<provider>/models", "GET", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/sessions/<session_id>", "PATCH", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/sessions/<session_id>/stream", "GET", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/sessions/<session_id>/permission", "POST", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/sessions/<session_id>/tool-result", "POST", "refused", ASSISTANT),
  ...ajax("3.0/mlflow/assistant/skills/install", "POST", "refused", ASSISTANT),

  // MCP server registry.
  ...both("3.0/mlflow/mcp-servers", ["GET", "POST"], "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/endpoints", "GET", "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>", ["GET", "PATCH", "DELETE"], "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/tags", "POST", "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/tags/<path:key>", "DELETE", "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/aliases", "POST", "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/aliases/<path:alias>", ["GET", "DELETE"], "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/endpoints", ["GET", "POST"], "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/endpoints/<endpoint_id>", ["GET", "PATCH", "DELETE"], "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/versions", ["GET", "POST"], "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/versions/<path:version>", ["GET", "PATCH", "DELETE"], "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/versions/<path:version>/tags", "POST", "refused", MCP),
  ...both("3.0/mlflow/mcp-servers/<path:name>/versions/<path:version>/tags/<path:key>", "DELETE", "refused", MCP),
]);

// ---------------------------------------------------------------------------
// Matching. MLflow's servers route on the decoded path, so the caller passes the
// path after the tracking URI decoded segment by segment (project-path.ts,
// which refuses encoded separators and dot-segments). A static rule beats a
// parametrised one, and among parametrised rules the one with a static segment
// where the other has a parameter wins, as werkzeug orders them. FastAPI's
// routes take precedence over Flask's in the real server; where both declare a
// path and method, the inventory lists only the FastAPI one.
//
// Static rules are one Map lookup. Parametrised rules are grouped by their
// literal prefix (the text before the first parameter, always ending in "/"):
// one pass over the request path hashes its prefixes and looks up only those
// that end where some rule's prefix ends, so a request tries the regexps of
// the few rules whose prefix it has, longest prefix first — a longer literal
// prefix is the more specific rule. Nothing is allocated but the result.
// ---------------------------------------------------------------------------

const NO_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

interface ParamRule {
  path: string;
  pattern: RegExp;
  names: readonly string[];
  entry: RouteEntry;
}

interface PrefixGroup {
  prefix: string;
  /** Most specific first. */
  rules: ParamRule[];
}

interface MethodRules {
  groups: Map<number, PrefixGroup[]>;
  /** endsAt[n] = 1 when some prefix is n characters long. */
  endsAt: Uint8Array;
}

const PARAM = /<(?:(path):)?([A-Za-z_][A-Za-z0-9_]*)>/g;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile(path: string, e: RouteEntry): ParamRule {
  const names: string[] = [];
  let source = "^";
  let last = 0;
  for (const m of path.matchAll(PARAM)) {
    source += escapeRegExp(path.slice(last, m.index));
    // One segment, or the rest: Flask's converters (Starlette's `path` also takes an empty
    // value or a leading '/'; refusing those is stricter). Greedy like Starlette's, which
    // serves every rule with a path parameter before other text; Flask's all end with it.
    source += m[1] === "path" ? "([^/].*)" : "([^/]+)";
    names.push(m[2]);
    last = m.index + m[0].length;
  }
  source += `${escapeRegExp(path.slice(last))}$`;
  return { path, pattern: new RegExp(source, "s"), names, entry: e };
}

/** 0 static, 1 static text with a parameter, 2 one-segment parameter, 3 rest-of-path parameter. */
function segmentRank(segment: string): number {
  if (!segment.includes("<")) return 0;
  if (/^<path:[^>]+>$/.test(segment)) return 3;
  if (/^<[^>]+>$/.test(segment)) return 2;
  return 1;
}

function bySpecificity(a: ParamRule, b: ParamRule): number {
  const sa = a.path.split("/");
  const sb = b.path.split("/");
  for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
    // A rule that goes on is more specific than one that ends here.
    if (i >= sa.length) return 1;
    if (i >= sb.length) return -1;
    const d = segmentRank(sa[i]) - segmentRank(sb[i]);
    if (d !== 0) return d;
  }
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

// FNV-1a over UTF-16 code units, updated one character at a time.
const HASH_SEED = 0x811c9dc5 | 0;
const hashStep = (hash: number, code: number) => Math.imul(hash ^ code, 0x01000193);
const hashOf = (s: string) => {
  let h = HASH_SEED;
  for (let i = 0; i < s.length; i++) h = hashStep(h, s.charCodeAt(i));
  return h;
};

const staticRoutes = new Map<string, Map<string, RouteMatch>>();
const paramRules = new Map<string, MethodRules>();
{
  const byMethod = new Map<string, Map<string, ParamRule[]>>();
  for (const e of routeTable) {
    for (const method of e.methods) {
      const at = e.path.indexOf("<");
      if (at < 0) {
        let routes = staticRoutes.get(e.path);
        if (!routes) staticRoutes.set(e.path, (routes = new Map()));
        routes.set(method, Object.freeze({ entry: e, params: NO_PARAMS }));
        continue;
      }
      let byPrefix = byMethod.get(method);
      if (!byPrefix) byMethod.set(method, (byPrefix = new Map()));
      const prefix = e.path.slice(0, at);
      byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), compile(e.path, e)]);
    }
  }
  for (const [method, byPrefix] of byMethod) {
    const groups = new Map<number, PrefixGroup[]>();
    const endsAt = new Uint8Array(Math.max(...[...byPrefix.keys()].map((p) => p.length)) + 1);
    for (const [prefix, rules] of byPrefix) {
      const h = hashOf(prefix);
      groups.set(h, [...(groups.get(h) ?? []), { prefix, rules: rules.sort(bySpecificity) }]);
      endsAt[prefix.length] = 1;
    }
    paramRules.set(method, { groups, endsAt });
  }
}

// Scratch space reused by every call (matching is synchronous); entries past
// the current call's count are stale and never read.
const candidates: PrefixGroup[] = [];

/**
 * The route a request reaches. `path` is relative to the tracking URI, starts
 * with "/" and is percent-decoded per segment (see above); HEAD matches as GET.
 * Undefined = unknown route: the gateway answers 404 ENDPOINT_NOT_FOUND.
 */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  const m = method === "HEAD" ? "GET" : method;
  const exact = staticRoutes.get(path)?.get(m);
  if (exact) return exact;
  const rules = paramRules.get(m);
  if (!rules) return undefined;

  let found = 0;
  // A prefix as long as the whole path would leave its parameter empty: never a match.
  const end = Math.min(path.length - 1, rules.endsAt.length - 1);
  let h = HASH_SEED;
  for (let i = 0; i < end; i++) {
    h = hashStep(h, path.charCodeAt(i));
    if (rules.endsAt[i + 1] !== 1) continue;
    const groups = rules.groups.get(h);
    if (!groups) continue;
    for (const g of groups) if (path.startsWith(g.prefix)) candidates[found++] = g;
  }
  for (let k = found - 1; k >= 0; k--) {
    for (const rule of candidates[k].rules) {
      const values = rule.pattern.exec(path);
      if (!values) continue;
      const params: Record<string, string> = {};
      for (let i = 0; i < rule.names.length; i++) params[rule.names[i]] = values[i + 1];
      return { entry: rule.entry, params };
    }
  }
  return undefined;
}
