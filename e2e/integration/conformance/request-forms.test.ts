import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { plantFlood, plantSegmentation, type Planted } from "./fixtures.ts";
import { FLOOD, HUB_URL, leaked, MLFLOW_URL, query, send, SEGMENTATION, TOKENS, tracking, type Call, type Reply } from "./hub.ts";
import { describeAnswer, gatewayRefusal } from "./refusals.ts";

// Issue 11, holes 2 to 4 and MLflow's error bodies: a request MLflow reads in another form than
// the one the gateway checked. The attacker is carol, Developer of project 102, reaching for 101's
// objects through 102's tracking URI.

let flood: Planted;
let segmentation: Planted;

beforeAll(async () => {
  [flood, segmentation] = await Promise.all([plantFlood(), plantSegmentation()]);
});

const T102 = tracking(SEGMENTATION.path);
const api2 = (route: string) => `${T102}/api/2.0/mlflow/${route}`;
const api3 = (route: string) => `${T102}/api/3.0/mlflow/${route}`;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");

function expectRefusal(reply: Reply, status: number, code: string, what = "") {
  expect(gatewayRefusal(reply), `${what} ${describeAnswer(reply)}`).toMatchObject({ status, code });
}

/** Sends as carol through 102 and checks the answer names nothing of 101 the request did not. */
async function attack(call: Omit<Call, "token">): Promise<Reply> {
  const full = { ...call, token: TOKENS.carol };
  const r = await send(full);
  expect(leaked(flood.secrets, full, r), `${call.method ?? "GET"} ${call.path} leaked project 101's data: ${describeAnswer(r)}`).toEqual([]);
  return r;
}

/** 101's logged model as MLflow itself has it. */
async function floodModel() {
  const r = await send({ target: MLFLOW_URL, path: `/api/2.0/mlflow/logged-models/${flood.loggedModelId}`, headers: { "x-mlflow-workspace": FLOOD.workspace } });
  expect(r.status, describeAnswer(r)).toBe(200);
  return r.json.model as { data?: { metrics?: { key: string }[] } };
}

describe("field names in MLflow's camelCase spelling (hole 2)", () => {
  it("runs/log-metric with modelId naming another project's logged model is refused 404, and no metric lands on that model", async () => {
    const key = `attack-${hex(4)}`;
    const r = await attack({
      method: "POST",
      path: api2("runs/log-metric"),
      body: { run_id: segmentation.runId, key, value: 1, timestamp: Date.now(), step: 0, modelId: flood.loggedModelId },
    });
    expectRefusal(r, 404, "RESOURCE_DOES_NOT_EXIST");
    expect((await floodModel()).data?.metrics?.map((m) => m.key) ?? []).not.toContain(key);
  });

  it("nested camelCase references to another project's objects are refused 404 on every route that carries one", async () => {
    const now = Date.now();
    const attempts: [string, unknown][] = [
      ["runs/log-batch", { run_id: segmentation.runId, metrics: [{ key: `attack-${hex(4)}`, value: 1, timestamp: now, step: 0, modelId: flood.loggedModelId }] }],
      ["runs/log-inputs", { run_id: segmentation.runId, models: [{ modelId: flood.loggedModelId }] }],
      ["runs/outputs", { run_id: segmentation.runId, models: [{ modelId: flood.loggedModelId, step: 0 }] }],
      ["logged-models", { experiment_id: segmentation.experimentId, name: `attack-${hex(4)}`, sourceRunId: flood.runId }],
      ["model-versions/create", { name: segmentation.modelName, source: `models:/${flood.loggedModelId}`, modelId: flood.loggedModelId }],
    ];
    for (const [route, body] of attempts) expectRefusal(await attack({ method: "POST", path: api2(route), body }), 404, "RESOURCE_DOES_NOT_EXIST", route);
    expect((await floodModel()).data?.metrics ?? []).toEqual([]);
  });

  it("a body naming one field in both spellings is refused 400 by the gateway, at the top level and nested", async () => {
    const attempts: [string, unknown][] = [
      ["2.0/mlflow/runs/log-metric", { run_id: segmentation.runId, key: "k", value: 1, timestamp: 1, model_id: `m-${hex(16)}`, modelId: flood.loggedModelId }],
      ["2.0/mlflow/runs/log-batch", { run_id: segmentation.runId, metrics: [{ key: "k", value: 1, timestamp: 1, modelId: flood.loggedModelId, model_id: `m-${hex(16)}` }] }],
      ["2.0/mlflow/experiments/create", { name: `attack-${hex(4)}`, artifact_location: "", artifactLocation: `s3://mlflow-artifacts/workspaces/${FLOOD.workspace}` }],
      ["3.0/mlflow/traces", { trace: { trace_info: { trace_id: `tr-${hex(16)}` }, traceInfo: { trace_id: `tr-${hex(16)}`, tags: { "mlflow.trace.spansLocation": "ARCHIVE_REPO" } } } }],
    ];
    for (const [route, body] of attempts) {
      const r = await attack({ method: "POST", path: `${T102}/api/${route}`, body });
      expectRefusal(r, 400, "INVALID_PARAMETER_VALUE", route);
      expect(r.json.message).toMatch(/names \S+ twice/);
    }
  });

  it("experiments/create with artifactLocation is refused by the gateway like artifact_location", async () => {
    const r = await attack({ method: "POST", path: api2("experiments/create"), body: { name: `attack-${hex(4)}`, artifactLocation: `s3://mlflow-artifacts/workspaces/${FLOOD.workspace}` } });
    expectRefusal(r, 400, "INVALID_PARAMETER_VALUE");
  });

  // MLflow's own schema check reads required fields (run_id here) under their proto names only.
  it("a camelCase reference to this project's own model still works, and MLflow stores what the gateway checked", async () => {
    const key = `camel-${hex(4)}`;
    const r = await attack({
      method: "POST",
      path: api2("runs/log-metric"),
      body: { run_id: segmentation.runId, key, value: 0.5, timestamp: Date.now(), step: 3, modelId: segmentation.loggedModelId },
    });
    expect(r.status, describeAnswer(r)).toBe(200);
    const model = await send({ path: `${T102}/api/2.0/mlflow/logged-models/${segmentation.loggedModelId}`, token: TOKENS.carol });
    expect(model.json.model.data.metrics).toEqual(expect.arrayContaining([expect.objectContaining({ key, value: 0.5, step: 3, run_id: segmentation.runId })]));
  });
});

describe("trace ids and trace storage (hole 3)", () => {
  const location = (experimentId: string) => ({ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } });
  const floodTraceDir = () => `mlflow-artifacts:/workspaces/${FLOOD.workspace}/${flood.experimentId}/traces/${flood.traceId}/artifacts`;
  /** Whether MLflow has a trace of this id in 102 (POST batchGetInfos takes any id, `/` included). */
  const storedIn102 = async (traceId: string) => {
    const r = await send({ target: MLFLOW_URL, method: "POST", path: "/api/3.0/mlflow/traces/batchGetInfos", headers: { "x-mlflow-workspace": SEGMENTATION.workspace }, body: { trace_ids: [traceId] } });
    expect(r.status, describeAnswer(r)).toBe(200);
    return (r.json.trace_infos ?? []).length > 0;
  };

  it("a v3 trace started with traceInfo (camelCase) cannot set the storage tags", async () => {
    for (const tags of [{ "mlflow.trace.spansLocation": "ARCHIVE_REPO", "mlflow.trace.archiveLocation": floodTraceDir() }, { "mlflow.artifactLocation": floodTraceDir() }]) {
      const traceId = `tr-${hex(16)}`;
      const r = await attack({
        method: "POST",
        path: api3("traces"),
        body: { trace: { traceInfo: { traceId, traceLocation: location(segmentation.experimentId), requestTime: "2026-01-01T00:00:00Z", state: "OK", tags } } },
      });
      expectRefusal(r, 403, "PERMISSION_DENIED", Object.keys(tags).join());
      expect(await storedIn102(traceId)).toBe(false);
    }
  });

  it("a v3 trace whose id is not in MLflow's format (a '/' in it) is refused 400 and never stored", async () => {
    for (const traceId of [`tr-${hex(16)}/x`, `tr-${hex(8)}`, `../tr-${hex(16)}`, `TR-${hex(16)}`, ""]) {
      const r = await attack({ method: "POST", path: api3("traces"), body: { trace: { trace_info: { trace_id: traceId, trace_location: location(segmentation.experimentId), request_time: "2026-01-01T00:00:00Z", state: "OK" } } } });
      expectRefusal(r, 400, "INVALID_PARAMETER_VALUE", JSON.stringify(traceId));
      if (traceId) expect(await storedIn102(traceId)).toBe(false);
    }
  });

  describe("a trace of 102 whose id has a '/' and whose spans lie in 101's storage", () => {
    // Planted behind the hub, as a trace started before the fix (or by any path the hub does not
    // see) would be: the reads below must be refused on their own, not only thanks to the start check.
    const traceId = `tr-${hex(16)}/${hex(4)}`;
    beforeAll(async () => {
      const r = await send({
        target: MLFLOW_URL,
        method: "POST",
        path: "/api/3.0/mlflow/traces",
        headers: { "x-mlflow-workspace": SEGMENTATION.workspace },
        body: {
          trace: {
            trace_info: {
              trace_id: traceId,
              trace_location: location(segmentation.experimentId),
              request_time: "2026-01-01T00:00:00Z",
              state: "OK",
              tags: { "mlflow.trace.spansLocation": "ARCHIVE_REPO", "mlflow.trace.archiveLocation": floodTraceDir() },
            },
          },
        },
      });
      if (r.status !== 200) throw new Error(`planting the trace failed: ${describeAnswer(r)}`);
    });

    it("get-trace-artifact, traces/get and traces/batchGet refuse it 400, and no answer comes from MLflow", async () => {
      const reads = [
        `${T102}/ajax-api/2.0/mlflow/get-trace-artifact${query({ request_id: traceId })}`,
        `${T102}/ajax-api/3.0/mlflow/get-trace-artifact${query({ request_id: traceId })}`,
        `${api3("traces/get")}${query({ trace_id: traceId })}`,
        `${api3("traces/batchGet")}${query({ trace_ids: [segmentation.traceId, traceId] })}`,
      ];
      for (const path of reads) expectRefusal(await attack({ path }), 400, "INVALID_PARAMETER_VALUE", path);
    });
  });

  it("a trace id the gateway cannot find in this project is refused 404 before MLflow reads anything", async () => {
    for (const id of [flood.traceId, `tr-${hex(16)}`]) {
      expectRefusal(await attack({ path: `${api3("traces/get")}${query({ trace_id: id })}` }), 404, "RESOURCE_DOES_NOT_EXIST", id);
      expectRefusal(await attack({ path: `${T102}/ajax-api/2.0/mlflow/get-trace-artifact${query({ request_id: id })}` }), 404, "RESOURCE_DOES_NOT_EXIST", id);
    }
  });

  it("a GET with a JSON body on a checked route is refused: MLflow would read the body instead of the checked query", async () => {
    for (const [path, body] of [
      [api3("traces/get"), { trace_id: segmentation.traceId }],
      [api3("traces/batchGet"), { trace_ids: [segmentation.traceId] }],
      [`${T102}/api/2.0/mlflow-artifacts/artifacts`, { path: `workspaces/${FLOOD.workspace}` }],
    ] as const) {
      expectRefusal(await attack({ path, body }), 400, "INVALID_PARAMETER_VALUE", path);
    }
  });

  it("MLflow reads GET queries under the proto names only: ?traceId= reaches no trace", async () => {
    const r = await attack({ path: `${api3("traces/get")}${query({ traceId: segmentation.traceId })}` });
    expect(r.status, describeAnswer(r)).toBe(400);
  });
});

describe("MLflow's own 5xx answers", () => {
  // Both reach MLflow's own error paths: a storage failure naming the internal bucket and key (a run
  // without artifacts), and a Flask handler that raises, answered with Flask's HTML page.
  it("are replaced by the gateway's MLflow-shaped error with MLflow's status, naming no storage, database or HTML", async () => {
    const created = await attack({ method: "POST", path: api2("runs/create"), body: { experiment_id: segmentation.experimentId } });
    expect(created.status, describeAnswer(created)).toBe(200);
    const emptyRun: string = created.json.run.info.run_id;
    const failures = [
      `${T102}/get-artifact${query({ run_id: emptyRun, path: "\u0000" })}`,
      `${T102}/ajax-api/2.0/mlflow/metrics/get-history-bulk${query({ run_id: segmentation.runId, metric_key: "loss", max_results: "abc" })}`,
    ];
    for (const path of failures) {
      const r = await attack({ path });
      expect(r.status, `${path} ${describeAnswer(r)}`).toBe(500);
      expect(gatewayRefusal(r), `${path} ${describeAnswer(r)}`).toMatchObject({ status: 500, code: "INTERNAL_ERROR" });
      expect(r.headers["content-type"]).toBe("application/json");
      for (const internal of ["s3://", "mlflow-artifacts", "<html", "sqlstate", "psycopg2", MLFLOW_URL.host]) expect(r.text).not.toContain(internal);
    }
  });

  it("a write MLflow fails on answers the same way", async () => {
    const r = await attack({ method: "POST", path: api2("runs/set-tag"), body: { run_id: segmentation.runId, key: "attack", value: "a\u0000b" } });
    expect(gatewayRefusal(r), describeAnswer(r)).toMatchObject({ status: 500, code: "INTERNAL_ERROR" });
    expect(r.text).not.toContain("NUL");
  });
});

describe("the return address after sign-in (hole 4)", () => {
  it("/signin carries only a same-origin path into its form, whatever dot-segments or backslashes the callbackUrl hides", async () => {
    for (const callbackUrl of ["/.//evil.example", "/..//evil.example", "/%2e//evil.example", "/./\\evil.example", "/a/..//evil.example", "/%2E%2E//evil.example"]) {
      const r = await send({ path: `/signin${query({ callbackUrl })}`, target: HUB_URL });
      expect(r.status, callbackUrl).toBe(200);
      const value = /name="callbackUrl" value="([^"]*)"/.exec(r.text)?.[1];
      expect(value, `${callbackUrl}: ${r.text.slice(0, 200)}`).toBeDefined();
      expect(value!.startsWith("/") && !value!.startsWith("//") && !value!.startsWith("/\\"), `${callbackUrl} → ${value}`).toBe(true);
    }
  });
});
