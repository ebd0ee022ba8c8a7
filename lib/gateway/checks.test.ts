import { describe, expect, it } from "vitest";
import type { JobInfo } from "./access";
import { artifactPathAllowed } from "./artifact-paths";
import { checks, entityReferences, sourceAllowed, traceTagKeys, type CheckContext } from "./checks";
import { GatewayError } from "./errors";

const WS = "gitlab-101";
const RUN_HERE = "a".repeat(32);
const RUN_ELSEWHERE = "b".repeat(32);

/** MLflow as the checks see it: runs/get and logged-models answer 200 only for this workspace's objects. */
function context(over: Partial<CheckContext> = {}): CheckContext {
  return {
    workspace: WS,
    projectPath: "ml-team/flood-detection",
    params: {},
    query: new URLSearchParams(),
    mlflow: async (p) => {
      if (p.includes(RUN_HERE) || p.includes("m-here")) return { status: 200, json: {} };
      if (p.startsWith("/api/2.0/mlflow/model-versions/get")) return { status: 200, json: { model_version: { source: p.includes("version=2") ? "s3://bucket/workspaces/gitlab-102/1/x" : `runs:/${RUN_HERE}/model` } } };
      return { status: 404, json: { error_code: "RESOURCE_DOES_NOT_EXIST" } };
    },
    ...over,
  };
}

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
