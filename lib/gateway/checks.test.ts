import { describe, expect, it } from "vitest";
import type { JobInfo } from "./access";
import { artifactPathAllowed } from "./artifact-paths";
import { BODY_SHAPES, bodyShapeOf, checks, entityReferences, isTraceId, sourceAllowed, traceTagKeys, type CheckContext } from "./checks";
import { GatewayError } from "./errors";
import { routeTable } from "./routes";
import { TRANSFER_BODY_CHECKS } from "./transfers";

const WS = "gitlab-101";
const RUN_HERE = "a".repeat(32);
const RUN_ELSEWHERE = "b".repeat(32);
const TRACE_HERE = `tr-${"c".repeat(32)}`;
const TRACE_POINTING_ELSEWHERE = `tr-${"d".repeat(32)}`;
const TRACE_ARCHIVED_ELSEWHERE = "e".repeat(32);
const TRACE_BAD_TAG = `tr-${"f".repeat(32)}`;

const NOT_FOUND = { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST" } };
const traceAnswer = (tags: Record<string, unknown>) => ({ status: 200, json: { trace: { trace_info: { trace_id: "x", tags } } } });

/** MLflow as the checks see it, answering as 3.17.2 does: runs, logged models and traces exist only for this workspace's ids. */
function context(over: Partial<CheckContext> = {}): CheckContext {
  return {
    workspace: WS,
    projectPath: "ml-team/flood-detection",
    mayDelete: true,
    deleteRole: "Developer",
    params: {},
    query: new URLSearchParams(),
    mlflow: async (p) => {
      if (p === `/api/2.0/mlflow/runs/get?run_id=${RUN_HERE}`) return { status: 200, json: { run: { info: { run_id: RUN_HERE } } } };
      if (p === "/api/2.0/mlflow/logged-models/m-here") return { status: 200, json: { model: { info: { model_id: "m-here" } } } };
      if (p.startsWith("/api/2.0/mlflow/model-versions/get")) {
        if (p.includes("version=3")) return NOT_FOUND;
        return { status: 200, json: { model_version: { source: p.includes("version=2") ? "s3://bucket/workspaces/gitlab-102/1/x" : `runs:/${RUN_HERE}/model` } } };
      }
      if (p === `/api/3.0/mlflow/traces/${TRACE_HERE}`) return traceAnswer({ "mlflow.artifactLocation": `mlflow-artifacts:/workspaces/${WS}/1/traces/${TRACE_HERE}/artifacts` });
      if (p === `/api/3.0/mlflow/traces/${TRACE_POINTING_ELSEWHERE}`) return traceAnswer({ "mlflow.artifactLocation": "mlflow-artifacts:/workspaces/gitlab-102/1/traces/x/artifacts" });
      if (p === `/api/3.0/mlflow/traces/${TRACE_ARCHIVED_ELSEWHERE}`) {
        return traceAnswer({ "mlflow.artifactLocation": `mlflow-artifacts:/workspaces/${WS}/1/traces/x/artifacts`, "mlflow.trace.archiveLocation": "s3://mlflow-artifacts/workspaces/gitlab-102/1" });
      }
      if (p === `/api/3.0/mlflow/traces/${TRACE_BAD_TAG}`) return traceAnswer({ "mlflow.artifactLocation": 42 });
      return NOT_FOUND;
    },
    ...over,
  };
}

/** A context whose MLflow answers every lookup with `answer`. */
const answering = (answer: { status: number; json: Record<string, unknown> }, over: Partial<CheckContext> = {}) => context({ mlflow: async () => answer, ...over });

async function refusal(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return `${(e as GatewayError).status} ${(e as GatewayError).code}`;
  }
  return "allowed";
}

const job: JobInfo = { id: 9001, url: "http://gl/job/9001", pipelineId: 501, pipelineUrl: "http://gl/p/501", sha: "c".repeat(40), ref: "main", username: "bob" };

describe("artifact paths", () => {
  it.each([
    ["workspaces/gitlab-101/1/run/artifacts/model.pkl", true],
    ["workspaces/gitlab-101/12", true],
    ["workspaces/gitlab-102/1/run/artifacts/model.pkl", false],
    ["workspaces/gitlab-1010/1/x", false],
    ["workspaces/gitlab-101/models/x", false],
    ["workspaces/gitlab-101/1/../../gitlab-102/1", false],
    ["1/run/artifacts", false],
    ["", false],
    ["workspaces", false],
  ])("%s allowed: %s", (path, allowed) => {
    expect(artifactPathAllowed(path, WS)).toBe(allowed);
  });

  it("takes the storage path from the URL, not from a ?path= that names this project", async () => {
    const ctx = context({
      params: { artifact_path: "workspaces/gitlab-102/1/run/artifacts/x" },
      query: new URLSearchParams({ path: "workspaces/gitlab-101/1/run/artifacts/x" }),
    });
    expect(await refusal(() => checks["artifact-path"](ctx))).toBe("403 PERMISSION_DENIED");
  });

  it("checks ?path= on the list route, and refuses listing the bucket root", async () => {
    expect(await refusal(() => checks["artifact-path"](context({ query: new URLSearchParams({ path: "workspaces/gitlab-101/1" }) })))).toBe("allowed");
    expect(await refusal(() => checks["artifact-path"](context()))).toBe("403 PERMISSION_DENIED");
  });
});

describe("model version sources", () => {
  it.each([
    [`runs:/${RUN_HERE}/model`, true],
    [`runs:/${RUN_ELSEWHERE}/model`, false],
    ["models:/classifier/1", true],
    ["mlflow-artifacts:/workspaces/gitlab-101/1/r/artifacts/model", true],
    ["mlflow-artifacts://host/workspaces/gitlab-101/1/r/artifacts/model", true],
    ["mlflow-artifacts:/workspaces/gitlab-102/1/r/artifacts/model", false],
    ["s3://mlflow-artifacts/workspaces/gitlab-101/1/r/artifacts/model", false],
    ["file:///etc", false],
    ["mlflow-artifacts:/workspaces/gitlab-101/1/../../gitlab-102/1", false],
  ])("%s allowed: %s", async (source, allowed) => {
    expect(await sourceAllowed(source, context())).toBe(allowed);
  });

  it("refuses to serve a version whose stored source lies outside the project", async () => {
    const ask = (version: string) => checks["model-version-artifact"](context({ query: new URLSearchParams({ name: "m", version, path: "MLmodel" }) }));
    expect(await refusal(() => ask("1"))).toBe("allowed");
    expect(await refusal(() => ask("2"))).toBe("403 PERMISSION_DENIED");
  });

  // The lookup used to read "not found" as "nothing to check" and forward the request anyway.
  it("refuses a version its lookup does not find, and one whose lookup MLflow fails", async () => {
    const ask = (ctx: CheckContext) => checks["model-version-artifact"]({ ...ctx, query: new URLSearchParams({ name: "m", version: "3", path: "MLmodel" }) });
    expect(await refusal(() => ask(context()))).toBe("404 RESOURCE_DOES_NOT_EXIST");
    expect(await refusal(() => ask(answering({ status: 200, json: {} })))).toBe("404 RESOURCE_DOES_NOT_EXIST");
    expect(await refusal(() => ask(answering({ status: 500, json: {} })))).toBe("503 TEMPORARILY_UNAVAILABLE");
  });

  it("refuses a run_id of another project beside a valid source", async () => {
    const body = { name: "m", source: "models:/x/1", run_id: RUN_ELSEWHERE };
    expect(await refusal(() => checks["model-version-source"](context({ body })))).toBe("403 PERMISSION_DENIED");
  });
});

describe("references to other MLflow objects", () => {
  it("collects model ids from log-metric, log-batch and log-inputs bodies, and source runs of logged models", () => {
    expect(entityReferences({ model_id: "m1", metrics: [{ model_id: "m2" }, {}], models: [{ model_id: "m1" }], source_run_id: "r1" })).toEqual({ models: ["m1", "m2"], runs: ["r1"] });
  });

  it("refuses a metric logged against another project's model", async () => {
    expect(await refusal(() => checks["entity-reference"](context({ body: { run_id: RUN_HERE, key: "k", value: 1, model_id: "m-there" } })))).toBe("404 RESOURCE_DOES_NOT_EXIST");
    expect(await refusal(() => checks["entity-reference"](context({ body: { run_id: RUN_HERE, key: "k", value: 1, model_id: "m-here" } })))).toBe("allowed");
  });

  it("refuses a reference whose lookup is not a clean 200 carrying the object", async () => {
    const body = { model_id: "m-here", source_run_id: RUN_HERE };
    expect(await refusal(() => checks["entity-reference"](answering({ status: 200, json: {} }, { body })))).toBe("404 RESOURCE_DOES_NOT_EXIST");
    expect(await refusal(() => checks["entity-reference"](answering({ status: 502, json: {} }, { body })))).toBe("503 TEMPORARILY_UNAVAILABLE");
    expect(await refusal(() => checks["entity-reference"](context({ body: { source_run_id: RUN_ELSEWHERE } })))).toBe("404 RESOURCE_DOES_NOT_EXIST");
  });
});

describe("trace storage tags", () => {
  it("finds tag keys in set-tag, v2 and v3 start-trace bodies", () => {
    expect(traceTagKeys({ key: "a", tags: [{ key: "b" }], trace: { trace_info: { tags: { c: "1" } } } })).toEqual(["a", "b", "c"]);
  });

  it.each(["mlflow.artifactLocation", "mlflow.trace.spansLocation", "mlflow.trace.archiveLocation"])("refuses setting %s", async (key) => {
    expect(await refusal(() => checks["trace-tag"](context({ body: { key, value: "s3://elsewhere" } })))).toBe("403 PERMISSION_DENIED");
    expect(await refusal(() => checks["trace-tag"](context({ body: { trace: { trace_info: { tags: { [key]: "x" } } } } })))).toBe("403 PERMISSION_DENIED");
  });
});

describe("trace ids", () => {
  it.each([
    [TRACE_HERE, true],
    ["0123456789abcdef0123456789abcdef", true],
    [`${TRACE_HERE}/x`, false],
    [`tr-${"c".repeat(31)}`, false],
    [`TR-${"c".repeat(32)}`, false],
    [`tr-${"C".repeat(32)}`, false],
    [`trace:/catalog.schema/${"c".repeat(32)}`, false],
    [`../${TRACE_HERE}`, false],
    [`${TRACE_HERE}\n`, false],
    ["", false],
  ])("%j is an id MLflow issues: %s", (id, ok) => {
    expect(isTraceId(id)).toBe(ok);
  });

  it("refuses a v3 start-trace whose id MLflow would not issue, or without one", async () => {
    const start = (traceId?: string) => checks["trace-id"](context({ body: { trace: { trace_info: traceId === undefined ? {} : { trace_id: traceId } } } }));
    expect(await refusal(() => start(TRACE_HERE))).toBe("allowed");
    for (const id of [`${TRACE_HERE}/x`, "tr-x/../y", undefined]) expect(await refusal(() => start(id))).toBe("400 INVALID_PARAMETER_VALUE");
  });
});

describe("trace storage reads", () => {
  const read = (query: Record<string, string | string[]>, ctx = context()) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) for (const one of [v].flat()) q.append(k, one);
    return checks["trace-storage"]({ ...ctx, query: q });
  };

  it("serves a trace whose data lies in this project", async () => {
    expect(await refusal(() => read({ request_id: TRACE_HERE }))).toBe("allowed");
    expect(await refusal(() => read({ trace_ids: [TRACE_HERE, TRACE_HERE] }))).toBe("allowed");
  });

  it("refuses a trace whose artifact or archive location lies elsewhere, or is not a string", async () => {
    expect(await refusal(() => read({ trace_id: TRACE_POINTING_ELSEWHERE }))).toBe("403 PERMISSION_DENIED");
    expect(await refusal(() => read({ trace_id: TRACE_ARCHIVED_ELSEWHERE }))).toBe("403 PERMISSION_DENIED");
    expect(await refusal(() => read({ trace_id: TRACE_BAD_TAG }))).toBe("403 PERMISSION_DENIED");
  });

  // Issue 11, hole 3: an id with a '/' made the lookup 404, read as "no tags".
  it("refuses, without asking MLflow, an id with a '/' or any other id MLflow would not issue, under every name and position", async () => {
    const never = context({ mlflow: async () => expect.unreachable("no lookup for a malformed id") });
    const queries: Record<string, string | string[]>[] = [{ request_id: `${TRACE_HERE}/x` }, { trace_id: "tr-a,tr-b" }, { trace_ids: [TRACE_HERE, `${TRACE_POINTING_ELSEWHERE}/x`] }, { trace_id: "" }];
    for (const query of queries) {
      expect(await refusal(() => read(query, never)), JSON.stringify(query)).toBe("400 INVALID_PARAMETER_VALUE");
    }
  });

  it("refuses a trace its lookup does not find, and one whose lookup is not a clean 200", async () => {
    expect(await refusal(() => read({ trace_id: `tr-${"0".repeat(32)}` }))).toBe("404 RESOURCE_DOES_NOT_EXIST");
    expect(await refusal(() => read({ trace_id: TRACE_HERE }, answering({ status: 200, json: {} })))).toBe("404 RESOURCE_DOES_NOT_EXIST");
    expect(await refusal(() => read({ trace_id: TRACE_HERE }, answering({ status: 500, json: {} })))).toBe("503 TEMPORARILY_UNAVAILABLE");
  });
});

describe("body shapes", () => {
  it("name every check that reads the body, the transfer checks included, and no check the gateway does not have", () => {
    for (const name of TRANSFER_BODY_CHECKS) expect(BODY_SHAPES[name], name).toBeDefined();
    for (const name of Object.keys(BODY_SHAPES)) expect(checks[name], name).toBeDefined();
  });

  it("make the gateway read the body of every route whose checks read one", () => {
    const routes = (check: string) => routeTable.filter((e) => e.checks?.includes(check as never));
    for (const e of [...routes("entity-reference"), ...routes("trace-tag"), ...routes("run-create")]) expect(bodyShapeOf(e.checks ?? []), `${e.methods} ${e.path}`).toBeDefined();
    expect(bodyShapeOf(["artifact-path", "trace-storage"])).toBeUndefined();
    expect(bodyShapeOf(["entity-reference", "provenance-tags"])).toMatchObject({ key: true, tags: { key: true }, metrics: { model_id: true } });
  });
});

describe("CI provenance", () => {
  it("tags a run created by a CI job with its pipeline, job, commit and ref, replacing look-alikes", async () => {
    const out = await checks["run-create"](context({ job, body: { experiment_id: "1", tags: [{ key: "team", value: "x" }] } }));
    if (out.kind !== "continue" || !out.body) throw new Error("expected the body to be rewritten");
    const tags = Object.fromEntries((out.body.tags as { key: string; value: string }[]).map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ team: "x", "gitlab.ci.pipeline_id": "501", "gitlab.ci.job_id": "9001", "gitlab.ci.ref": "main", "gitlab.ci.commit_sha": job.sha, "gitlab.project": "ml-team/flood-detection" });
  });

  it("leaves a run created with a personal token untouched", async () => {
    expect(await checks["run-create"](context({ body: { experiment_id: "1" } }))).toEqual({ kind: "continue" });
  });

  it("replaces a job's own gitlab.ci.* look-alikes with the hub's values", async () => {
    const out = await checks["run-create"](context({ job, body: { tags: [{ key: "gitlab.ci.job_id", value: "1" }, { key: "gitlab.ci.extra", value: "x" }] } }));
    if (out.kind !== "continue" || !out.body) throw new Error("expected the body to be rewritten");
    const tags = out.body.tags as { key: string; value: string }[];
    expect(tags.filter((t) => t.key === "gitlab.ci.job_id")).toEqual([{ key: "gitlab.ci.job_id", value: "9001" }]);
    expect(tags.some((t) => t.key === "gitlab.ci.extra")).toBe(false);
  });

  it("refuses gitlab.ci.* tags from any other caller, at creation, set-tag, delete-tag and log-batch", async () => {
    expect(await refusal(() => checks["run-create"](context({ body: { tags: [{ key: "gitlab.ci.job_id", value: "1" }] } })))).toBe("403 PERMISSION_DENIED");
    expect(await refusal(() => checks["provenance-tags"](context({ body: { run_id: RUN_HERE, key: "gitlab.ci.pipeline_id", value: "1" } })))).toBe("403 PERMISSION_DENIED");
    expect(await refusal(() => checks["provenance-tags"](context({ body: { run_id: RUN_HERE, tags: [{ key: "gitlab.ci.ref", value: "x" }] } })))).toBe("403 PERMISSION_DENIED");
    expect(await refusal(() => checks["provenance-tags"](context({ body: { run_id: RUN_HERE, key: "stage", value: "x" } })))).toBe("allowed");
  });
});

describe("workspaces", () => {
  it("lists only the caller's workspace", async () => {
    expect(await checks["workspace-list"](context())).toEqual({ kind: "answer", json: { workspaces: [{ name: WS, description: "This GitLab project's MLflow" }] } });
  });

  it("shows only the caller's workspace by name", async () => {
    expect(await refusal(() => checks["workspace-get"](context({ params: { workspace_name: WS } })))).toBe("allowed");
    expect(await refusal(() => checks["workspace-get"](context({ params: { workspace_name: "gitlab-102" } })))).toBe("404 RESOURCE_DOES_NOT_EXIST");
  });

  it("refuses an artifact_location at experiment creation", async () => {
    expect(await refusal(() => checks["experiment-create"](context({ body: { name: "x", artifact_location: "s3://elsewhere" } })))).toBe("400 INVALID_PARAMETER_VALUE");
  });
});
