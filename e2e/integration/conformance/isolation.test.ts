import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { plantFlood, plantSegmentation, runAsPlanted, type Planted } from "./fixtures.ts";
import { FLOOD, leaked, query, send, SEGMENTATION, TOKENS, tracking, type Call, type Reply } from "./hub.ts";
import { describeAnswer, gatewayRefusal } from "./refusals.ts";

// Cross-project isolation: project 101's objects referenced through project 102's tracking URI.
// The caller is alice, Owner of both: the gateway lets her do anything in 102, so the only thing
// standing between 102's URI and 101's data is the workspace the gateway forces. Every answer
// through 102's URI is scanned for 101's identifiers and planted markers; an answer may repeat
// what its request carried (MLflow echoes ids in "not found" messages), nothing else of 101.

let flood: Planted;
let segmentation: Planted;

beforeAll(async () => {
  [flood, segmentation] = await Promise.all([plantFlood(), plantSegmentation()]);
});

const fresh = () => randomBytes(16).toString("hex");

/** A request through 102's tracking URI (alice unless told), checked for leaks of 101. */
async function through102(call: Call): Promise<Reply> {
  const full: Call = { token: TOKENS.alice, ...call, path: `${tracking(SEGMENTATION.path)}${call.path}` };
  const reply = await send(full);
  expect(leaked(flood.secrets, full, reply), `${call.method ?? "GET"} ${call.path} leaked project 101's data: ${describeAnswer(reply)}`).toEqual([]);
  return reply;
}

/** Not found, by MLflow (its 404, or 400 for a storage path of another workspace) or by the gateway. */
function expectNotFound(reply: Reply, what: string) {
  const refusal = gatewayRefusal(reply);
  const ok = refusal ? [403, 404].includes(refusal.status) : [400, 404].includes(reply.status);
  expect(ok, `${what}: ${describeAnswer(reply)}`).toBe(true);
}

/**
 * Sends a probe naming 101's id and the same probe naming an id that never
 * existed: the answers must be the same but for the id, so 102's URI cannot
 * even tell that 101's object exists. The control sends the probe through
 * 101's own URI, where it must answer differently: a probe that cannot find
 * the object anywhere would prove nothing.
 */
async function expectSameAsUnknown(probe: (id: string) => Call, realId: string, unknownId: string) {
  const real = await through102(probe(realId));
  const unknown = await through102(probe(unknownId));
  const unknownAnswer = `${unknown.status} ${unknown.text.split(unknownId).join("<id>")}`;
  expect(`${real.status} ${real.text.split(realId).join("<id>")}`).toBe(unknownAnswer);
  const control = probe(realId);
  const own = await send({ token: TOKENS.alice, ...control, path: `${tracking(FLOOD.path)}${control.path}` });
  expect(`${own.status} ${own.text.split(realId).join("<id>")}`, "the probe cannot find the object through 101's own URI either").not.toBe(unknownAnswer);
  return real;
}

/** An OTLP/HTTP JSON export of one root span with the given string attributes. */
function otlpTrace(traceHex: string, attributes: Record<string, string>) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = {
    traceId: traceHex.toUpperCase(),
    spanId: randomBytes(8).toString("hex").toUpperCase(),
    name: "root",
    kind: 1,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1_000_000n),
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
  };
  return { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: "conformance" }, spans: [span] }] }] };
}

const api = (rest: string) => `/api/2.0/mlflow/${rest}`;
const ajax = (rest: string) => `/ajax-api/2.0/mlflow/${rest}`;

describe("another project's tracking URI never reaches this project's data", () => {
  it("the leak scan finds this project's markers in this project's own answers", async () => {
    const call: Call = { path: `${tracking(FLOOD.path)}${api("runs/get")}${query({ run_id: flood.runId })}`, token: TOKENS.alice };
    const own = await send(call);
    expect(leaked(flood.secrets, call, own)).toEqual(expect.arrayContaining([flood.paramValue, flood.tagValue, flood.experimentName === "" ? "" : `${flood.experimentName.replace(/-experiment$/, "")}-run`]));
  });

  it("an owner of another project cannot read this project's run by its id", async () => {
    for (const prefix of [api, ajax]) {
      const r = await expectSameAsUnknown((id) => ({ path: `${prefix("runs/get")}${query({ run_id: id })}` }), flood.runId, fresh());
      expectNotFound(r, "runs/get");
    }
  });

  it("an owner of another project cannot read this project's metric history", async () => {
    const probes: ((id: string) => Call)[] = [
      (id) => ({ path: `${api("metrics/get-history")}${query({ run_id: id, metric_key: "loss" })}` }),
      (id) => ({ path: `${ajax("metrics/get-history")}${query({ run_id: id, metric_key: "loss" })}` }),
      (id) => ({ path: `${api("metrics/get-history-bulk-interval")}${query({ run_ids: id, metric_key: "loss" })}` }),
      (id) => ({ path: `${ajax("metrics/get-history-bulk")}${query({ run_id: id, metric_key: "loss" })}` }),
    ];
    for (const probe of probes) {
      const r = await expectSameAsUnknown(probe, flood.runId, fresh());
      if (r.status === 200) expect(r.json.metrics ?? [], describeAnswer(r)).toEqual([]);
      else expectNotFound(r, probe("x").path);
    }
  });

  it("an owner of another project cannot list or download this project's run artifacts through the run", async () => {
    const probes: ((id: string) => Call)[] = [
      (id) => ({ path: `${api("artifacts/list")}${query({ run_id: id })}` }),
      (id) => ({ path: `${ajax("artifacts/list")}${query({ run_id: id, path: "model" })}` }),
      (id) => ({ path: `/get-artifact${query({ run_id: id, path: flood.artifactFile })}` }),
      (id) => ({ path: `/get-artifact${query({ run_uuid: id, path: "model/MLmodel" })}` }),
      (id) => ({ method: "POST", path: api("artifacts/presigned-download-url"), body: { run_id: id, path: flood.artifactFile } }),
    ];
    for (const probe of probes) expectNotFound(await expectSameAsUnknown(probe, flood.runId, fresh()), probe("x").path);
  });

  // The artifact proxy takes raw storage paths; MLflow only prefix-checks other workspaces, so the
  // gateway must keep every path inside workspaces/<this workspace>/<experiment>/.
  it("an owner of another project cannot reach this project's artifact storage by its raw path", async () => {
    const file = `${flood.artifactRoot}/${flood.artifactFile}`;
    const probes: Call[] = [];
    for (const prefix of ["/api/2.0/mlflow-artifacts", "/ajax-api/2.0/mlflow-artifacts"]) {
      probes.push(
        { path: `${prefix}/artifacts/${file}` },
        { path: `${prefix}/artifacts${query({ path: flood.artifactRoot })}` },
        { path: `${prefix}/artifacts${query({ path: `workspaces/${FLOOD.workspace}` })}` },
        { path: `${prefix}/artifacts${query({ path: "workspaces" })}` },
        { path: `${prefix}/artifacts${query({ path: "" })}` },
        { path: `${prefix}/artifacts` },
        { path: `${prefix}/presigned/${file}` },
        { method: "PUT", path: `${prefix}/artifacts/${flood.artifactRoot}/planted-by-102.txt`, body: "attack", headers: { "content-type": "text/plain" } },
        { method: "DELETE", path: `${prefix}/artifacts/${file}` },
        { method: "POST", path: `${prefix}/mpu/create/${flood.artifactRoot}/big.bin`, body: { path: "big.bin" } },
        { method: "POST", path: `${prefix}/mpu/abort/${flood.artifactRoot}/big.bin`, body: { path: "big.bin", upload_id: "x" } },
        { method: "POST", path: `${prefix}/mpu/complete/${flood.artifactRoot}/big.bin`, body: { path: "big.bin", upload_id: "x", parts: [] } },
      );
    }
    for (const probe of probes) {
      const r = await through102(probe);
      expect(gatewayRefusal(r), `${probe.method ?? "GET"} ${probe.path}: ${describeAnswer(r)}`).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    }
    const still = await send({ path: `${tracking(FLOOD.path)}/api/2.0/mlflow-artifacts/artifacts/${file}`, token: TOKENS.bob });
    expect(still.text).toBe(flood.artifactContent);
  });

  it("an owner of another project cannot read this project's registered model, version, alias or version files by name", async () => {
    const name = flood.modelName;
    const unknown = `${name.slice(0, -3)}zzz`;
    const probes: ((n: string) => Call)[] = [
      (n) => ({ path: `${api("registered-models/get")}${query({ name: n })}` }),
      (n) => ({ path: `${ajax("registered-models/get")}${query({ name: n })}` }),
      (n) => ({ path: `${api("registered-models/get-latest-versions")}${query({ name: n })}` }),
      (n) => ({ path: `${api("registered-models/alias")}${query({ name: n, alias: flood.alias })}` }),
      (n) => ({ path: `${api("model-versions/get")}${query({ name: n, version: flood.modelVersion })}` }),
      (n) => ({ path: `${api("model-versions/get-download-uri")}${query({ name: n, version: flood.modelVersion })}` }),
      (n) => ({ path: `/model-versions/get-artifact${query({ name: n, version: flood.modelVersion, path: "MLmodel" })}` }),
    ];
    for (const probe of probes) expectNotFound(await expectSameAsUnknown(probe, name, unknown), probe("x").path);
    const search = await through102({ path: `${api("model-versions/search")}${query({ filter: `name='${name}'` })}` });
    expect(search.status).toBe(200);
    expect(search.json.model_versions ?? []).toEqual([]);
  });

  it("an owner of another project cannot read this project's logged model by its id", async () => {
    const unknown = `m-${fresh()}`;
    const probes: ((id: string) => Call)[] = [
      (id) => ({ path: api(`logged-models/${id}`) }),
      (id) => ({ path: ajax(`logged-models/${id}`) }),
      (id) => ({ path: api(`logged-models/${id}/artifacts/directories`) }),
      (id) => ({ path: `${ajax(`logged-models/${id}/artifacts/files`)}${query({ artifact_file_path: "MLmodel" })}` }),
    ];
    for (const probe of probes) expectNotFound(await expectSameAsUnknown(probe, flood.loggedModelId, unknown), probe("x").path);
  });

  it("an owner of another project cannot read this project's experiment by its id or name", async () => {
    const byId = `${api("experiments/get")}${query({ experiment_id: flood.experimentId })}`;
    expectNotFound(await through102({ path: byId }), "experiments/get");
    expect((await send({ path: `${tracking(FLOOD.path)}${byId}`, token: TOKENS.alice })).status).toBe(200);
    expectNotFound(
      await expectSameAsUnknown((n) => ({ path: `${api("experiments/get-by-name")}${query({ experiment_name: n })}` }), flood.experimentName, `${flood.experimentName}-never`),
      "experiments/get-by-name",
    );
  });

  it("searching with this project's experiment ids through another project's URI finds nothing", async () => {
    const ids = [flood.experimentId];
    const runs = await through102({ method: "POST", path: api("runs/search"), body: { experiment_ids: ids } });
    expect(runs.json?.runs ?? [], describeAnswer(runs)).toEqual([]);
    const own = await send({ method: "POST", path: `${tracking(FLOOD.path)}${api("runs/search")}`, token: TOKENS.alice, body: { experiment_ids: ids } });
    expect(own.json.runs, "control: the same search through 101's own URI").toHaveLength(1);
    const models = await through102({ method: "POST", path: api("logged-models/search"), body: { experiment_ids: ids } });
    expect(models.json?.models ?? [], describeAnswer(models)).toEqual([]);
    const traces = await through102({
      method: "POST",
      path: "/api/3.0/mlflow/traces/search",
      body: { locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: flood.experimentId } }] },
    });
    expect(traces.json?.traces ?? [], describeAnswer(traces)).toEqual([]);
    const v2traces = await through102({ path: `${api("traces")}${query({ experiment_ids: ids })}` });
    expect(v2traces.json?.traces ?? [], describeAnswer(v2traces)).toEqual([]);
  });

  it("searching for this project's run ids through another project's URI finds nothing", async () => {
    const filter = `attributes.run_id IN ('${flood.runId}')`;
    const runs = await through102({ method: "POST", path: api("runs/search"), body: { experiment_ids: [segmentation.experimentId, flood.experimentId], filter } });
    expect(runs.status, describeAnswer(runs)).toBe(200);
    expect(runs.json.runs ?? []).toEqual([]);
    // The same search in 101 finds it: the filter is right, the workspace is what hides it.
    const own = await send({ method: "POST", path: `${tracking(FLOOD.path)}${api("runs/search")}`, token: TOKENS.alice, body: { experiment_ids: [flood.experimentId], filter } });
    expect(own.json.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([flood.runId]);
  });

  it("GraphQL through another project's URI knows nothing of this project's runs, experiments or models", async () => {
    const graphql = (q: string) => through102({ method: "POST", path: "/graphql", body: { query: q } });
    const getRun = `{ mlflowGetRun(input: {runId: "${flood.runId}"}) { run { info { runId experimentId } data { params { key value } tags { key value } } } } }`;
    const run = await graphql(getRun);
    expect(run.json?.data?.mlflowGetRun ?? null, describeAnswer(run)).toBeNull();
    const own = await send({ method: "POST", path: `${tracking(FLOOD.path)}/graphql`, token: TOKENS.alice, body: { query: getRun } });
    expect(own.text, "control: the same query through 101's own URI").toContain(flood.paramValue);
    const experiment = await graphql(`{ mlflowGetExperiment(input: {experimentId: "${flood.experimentId}"}) { experiment { experimentId name } } }`);
    expect(experiment.json?.data?.mlflowGetExperiment ?? null, describeAnswer(experiment)).toBeNull();
    const search = await graphql(`mutation { mlflowSearchRuns(input: {experimentIds: ["${flood.experimentId}"]}) { runs { info { runId } } } }`);
    expect(search.json?.data?.mlflowSearchRuns?.runs ?? [], describeAnswer(search)).toEqual([]);
    const history = await graphql(`{ mlflowGetMetricHistoryBulkInterval(input: {runIds: ["${flood.runId}"], metricKey: "loss"}) { metrics { runId value step } } }`);
    expect(history.json?.data?.mlflowGetMetricHistoryBulkInterval?.metrics ?? [], describeAnswer(history)).toEqual([]);
    const artifacts = await graphql(`{ mlflowListArtifacts(input: {runId: "${flood.runId}"}) { files { path } } }`);
    expect(artifacts.json?.data?.mlflowListArtifacts?.files ?? [], describeAnswer(artifacts)).toEqual([]);
    const versions = await graphql(`{ mlflowSearchModelVersions(input: {filter: "name='${flood.modelName}'"}) { modelVersions { name version source } } }`);
    expect(versions.json?.data?.mlflowSearchModelVersions?.modelVersions ?? [], describeAnswer(versions)).toEqual([]);
  });

  it("an owner of another project cannot read this project's trace or its data", async () => {
    const probes: ((id: string) => Call)[] = [
      (id) => ({ path: `/api/3.0/mlflow/traces/${id}` }),
      (id) => ({ path: `/api/3.0/mlflow/traces/get${query({ trace_id: id })}` }),
      (id) => ({ path: `/ajax-api/3.0/mlflow/traces/batchGet${query({ trace_ids: id })}` }),
      (id) => ({ path: api(`traces/${id}/info`) }),
      (id) => ({ path: `${ajax("get-trace-artifact")}${query({ request_id: id })}` }),
      (id) => ({ path: `/ajax-api/3.0/mlflow/get-trace-artifact${query({ request_id: id })}` }),
      (id) => ({ method: "POST", path: "/api/3.0/mlflow/traces/batchGetInfos", body: { trace_ids: [id] } }),
    ];
    for (const probe of probes) {
      const r = await expectSameAsUnknown(probe, flood.traceId, fresh());
      if (r.status === 200) expect(JSON.stringify(r.json), describeAnswer(r)).not.toContain(flood.experimentName);
      else expectNotFound(r, probe("x").path);
    }
  });

  // A metric logged with another workspace's model_id lands in that model (MLflow stores the
  // reference unchecked): the gateway must refuse references to objects outside the project.
  it("an owner of another project cannot log into this project's logged model or link its run", async () => {
    const run = segmentation.runId;
    const attempts: Call[] = [
      { method: "POST", path: api("runs/log-metric"), body: { run_id: run, key: "attack", value: 1, timestamp: Date.now(), step: 0, model_id: flood.loggedModelId } },
      { method: "POST", path: api("runs/log-batch"), body: { run_id: run, metrics: [{ key: "attack", value: 1, timestamp: Date.now(), step: 0, model_id: flood.loggedModelId }] } },
      { method: "POST", path: api("runs/log-inputs"), body: { run_id: run, models: [{ model_id: flood.loggedModelId }] } },
      { method: "POST", path: api("runs/outputs"), body: { run_id: run, models: [{ model_id: flood.loggedModelId, step: 0 }] } },
      { method: "POST", path: api("logged-models"), body: { experiment_id: segmentation.experimentId, name: "attack", source_run_id: flood.runId } },
    ];
    for (const attempt of attempts) {
      const r = await through102(attempt);
      expect(gatewayRefusal(r), `${attempt.path}: ${describeAnswer(r)}`).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    }
    const model = await send({ path: `${tracking(FLOOD.path)}${api(`logged-models/${flood.loggedModelId}`)}`, token: TOKENS.alice });
    expect(model.status).toBe(200);
    expect(JSON.stringify(model.json)).not.toContain("attack");
  });

  // A model version's source is served back by MLflow with its own storage credentials:
  // a source in another workspace (or any s3:// URI) would hand out that workspace's files.
  it("an owner of another project cannot register a model version whose source lies in this project", async () => {
    const name = segmentation.modelName;
    const attempts: Record<string, unknown>[] = [
      { name, source: `mlflow-artifacts:/${flood.artifactRoot}/model` },
      { name, source: `mlflow-artifacts://localhost/${flood.artifactRoot}/model` },
      { name, source: `mlflow-artifacts:/${segmentation.artifactRoot}/../../../${flood.experimentId}/${flood.runId}/artifacts/model` },
      { name, source: `s3://${process.env.S3_BUCKET ?? "mlflow-artifacts"}/${flood.artifactRoot}/model` },
      { name, source: `s3://${process.env.S3_BUCKET ?? "mlflow-artifacts"}/${segmentation.artifactRoot}/model` },
      { name, source: `runs:/${flood.runId}/model` },
      { name, source: `models:/${flood.loggedModelId}`, run_id: flood.runId },
      { name, source: `file:///etc/passwd` },
      { name, source: `mlflow-artifacts:/${segmentation.artifactRoot}/model`, run_id: flood.runId },
    ];
    for (const body of attempts) {
      const r = await through102({ method: "POST", path: api("model-versions/create"), body });
      expect(gatewayRefusal(r), `${JSON.stringify(body)}: ${describeAnswer(r)}`).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    }
    // Its own artifacts register fine: the refusals above are about where the source points.
    const own = await through102({ method: "POST", path: api("model-versions/create"), body: { name, source: `mlflow-artifacts:/${segmentation.artifactRoot}/model`, run_id: segmentation.runId } });
    expect(own.status, describeAnswer(own)).toBe(200);
  });

  // MLflow reads a trace's data from the location in its tags with the server's own credentials and
  // no workspace check: a trace of 102 pointing at 101's trace storage would serve 101's spans.
  it("an owner of another project cannot point a trace of theirs at this project's trace storage", async () => {
    const location = `mlflow-artifacts:/workspaces/${FLOOD.workspace}/${flood.experimentId}/traces/${flood.traceId}/artifacts`;
    const own = segmentation.traceId;
    for (const key of ["mlflow.artifactLocation", "mlflow.trace.spansLocation", "mlflow.trace.archiveLocation"]) {
      const attempts: Call[] = [
        { method: "PATCH", path: `/api/3.0/mlflow/traces/${own}/tags`, body: { key, value: location } },
        { method: "PATCH", path: api(`traces/${own}/tags`), body: { key, value: location } },
        { method: "POST", path: api("traces"), body: { experiment_id: segmentation.experimentId, timestamp_ms: Date.now(), request_metadata: [], tags: [{ key, value: location }] } },
        { method: "PATCH", path: api(`traces/${own}`), body: { timestamp_ms: Date.now(), status: "OK", request_metadata: [], tags: [{ key, value: location }] } },
        {
          method: "POST",
          path: "/api/3.0/mlflow/traces",
          body: {
            trace: {
              trace_info: {
                trace_id: `tr-${fresh()}`,
                trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: segmentation.experimentId } },
                request_time: new Date().toISOString(),
                state: "OK",
                tags: { [key]: location },
              },
            },
          },
        },
      ];
      for (const attempt of attempts) {
        const r = await through102(attempt);
        expect(gatewayRefusal(r), `${key} via ${attempt.method} ${attempt.path}: ${describeAnswer(r)}`).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
      }
    }
    const data = await through102({ path: `${ajax("get-trace-artifact")}${query({ request_id: own })}` });
    expect(data.status, describeAnswer(data)).toBe(200);
    expect(data.text).toContain(segmentation.artifactContent);
  });

  // OTLP sets trace tags from root-span attributes (mlflow.traceTag.<key>), out of reach of the
  // tag checks above: the gateway must refuse to serve such a trace's data instead.
  it("a trace sent over OTLP with this project's trace storage in its tags is not served through another project's URI", async () => {
    const location = `mlflow-artifacts:/workspaces/${FLOOD.workspace}/${flood.experimentId}/traces/${flood.traceId}/artifacts`;
    const traceHex = fresh();
    const exported = await through102({
      method: "POST",
      path: "/v1/traces",
      headers: { "x-mlflow-experiment-id": segmentation.experimentId },
      body: otlpTrace(traceHex, { "mlflow.traceTag.mlflow.artifactLocation": location }),
    });
    expect(exported.status, describeAnswer(exported)).toBe(200);
    const traceId = `tr-${traceHex}`;
    try {
      for (const path of [
        `${ajax("get-trace-artifact")}${query({ request_id: traceId })}`,
        `/ajax-api/3.0/mlflow/get-trace-artifact${query({ request_id: traceId })}`,
        `/api/3.0/mlflow/traces/get${query({ trace_id: traceId })}`,
        `/ajax-api/3.0/mlflow/traces/batchGet${query({ trace_ids: traceId })}`,
      ]) {
        const r = await through102({ path });
        expect(gatewayRefusal(r), `${path}: ${describeAnswer(r)}`).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
      }
    } finally {
      // Its tag names 101's storage: it would show up in 102's own trace listings below.
      await through102({ method: "POST", path: "/api/3.0/mlflow/traces/delete-traces", body: { experiment_id: segmentation.experimentId, request_ids: [traceId] } });
    }
  });

  it("an owner of another project cannot export OTLP spans into this project's experiment", async () => {
    const traceHex = fresh();
    const into101 = await through102({ method: "POST", path: "/v1/traces", headers: { "x-mlflow-experiment-id": flood.experimentId }, body: otlpTrace(traceHex, {}) });
    expect(into101.status, describeAnswer(into101)).toBe(404);
    const at101 = await send({ path: `${tracking(FLOOD.path)}/api/3.0/mlflow/traces/tr-${traceHex}`, token: TOKENS.alice });
    expect(at101.status, describeAnswer(at101)).toBe(404);
    const control = await through102({ method: "POST", path: "/v1/traces", headers: { "x-mlflow-experiment-id": segmentation.experimentId }, body: otlpTrace(fresh(), {}) });
    expect(control.status, describeAnswer(control)).toBe(200);
  });

  it("an owner of another project cannot create an experiment whose artifacts live in this project's storage", async () => {
    for (const artifact_location of [`mlflow-artifacts:/workspaces/${FLOOD.workspace}/${flood.experimentId}`, `s3://${process.env.S3_BUCKET ?? "mlflow-artifacts"}/workspaces/${FLOOD.workspace}`]) {
      const r = await through102({ method: "POST", path: api("experiments/create"), body: { name: `conformance-${fresh()}`, artifact_location } });
      expect(gatewayRefusal(r), describeAnswer(r)).toMatchObject({ status: 400, code: "INVALID_PARAMETER_VALUE" });
    }
  });

  it("an owner of another project cannot change or delete this project's objects by id or name", async () => {
    const attempts: Call[] = [
      { method: "POST", path: api("runs/set-tag"), body: { run_id: flood.runId, key: "attack", value: "x" } },
      { method: "POST", path: api("runs/set-tag"), body: { run_id: flood.runId, key: "conformance.tag", value: "overwritten" } },
      { method: "POST", path: api("runs/log-parameter"), body: { run_id: flood.runId, key: "attack", value: "x" } },
      { method: "POST", path: api("runs/log-metric"), body: { run_id: flood.runId, key: "attack", value: 1, timestamp: 0 } },
      { method: "POST", path: api("runs/update"), body: { run_id: flood.runId, run_name: "renamed-by-102" } },
      { method: "POST", path: api("runs/delete-tag"), body: { run_id: flood.runId, key: "conformance.tag" } },
      { method: "POST", path: api("runs/delete"), body: { run_id: flood.runId } },
      { method: "POST", path: api("experiments/update"), body: { experiment_id: flood.experimentId, new_name: "renamed-by-102" } },
      { method: "POST", path: api("experiments/set-experiment-tag"), body: { experiment_id: flood.experimentId, key: "attack", value: "x" } },
      { method: "POST", path: api("experiments/delete"), body: { experiment_id: flood.experimentId } },
      { method: "POST", path: api("registered-models/rename"), body: { name: flood.modelName, new_name: "renamed-by-102" } },
      { method: "POST", path: api("registered-models/alias"), body: { name: flood.modelName, alias: "attack", version: flood.modelVersion } },
      { method: "DELETE", path: api("registered-models/alias"), body: { name: flood.modelName, alias: flood.alias } },
      { method: "PATCH", path: api("model-versions/update"), body: { name: flood.modelName, version: flood.modelVersion, description: "attack" } },
      { method: "DELETE", path: api("model-versions/delete"), body: { name: flood.modelName, version: flood.modelVersion } },
      { method: "DELETE", path: api("registered-models/delete"), body: { name: flood.modelName } },
      { method: "PATCH", path: api(`logged-models/${flood.loggedModelId}/tags`), body: { tags: [{ key: "attack", value: "x" }] } },
      { method: "DELETE", path: api(`logged-models/${flood.loggedModelId}`) },
      { method: "PATCH", path: `/api/3.0/mlflow/traces/${flood.traceId}/tags`, body: { key: "attack", value: "x" } },
      { method: "POST", path: "/api/3.0/mlflow/traces/delete-traces", body: { experiment_id: flood.experimentId, request_ids: [flood.traceId] } },
      { method: "POST", path: api("traces/delete-traces"), body: { experiment_id: flood.experimentId, max_timestamp_millis: Date.now() + 60_000 } },
    ];
    for (const attempt of attempts) {
      const r = await through102(attempt);
      // MLflow answers a bulk trace delete that matched nothing in its workspace with 200 and a zero count.
      const refused = r.status >= 400 || r.json?.traces_deleted === 0;
      expect(refused, `${attempt.method} ${attempt.path} ${JSON.stringify(attempt.body)}: ${describeAnswer(r)}`).toBe(true);
    }

    expect(await runAsPlanted(flood)).toEqual({ status: 200, lifecycle: "active", runName: expect.stringContaining("-run"), tag: flood.tagValue, param: flood.paramValue, extraTags: [] });
    const at101 = (path: string) => send({ path: `${tracking(FLOOD.path)}${path}`, token: TOKENS.alice });
    const experiment = await at101(`${api("experiments/get")}${query({ experiment_id: flood.experimentId })}`);
    expect(experiment.json.experiment).toMatchObject({ name: flood.experimentName, lifecycle_stage: "active" });
    expect(JSON.stringify(experiment.json.experiment.tags ?? [])).not.toContain("attack");
    const alias = await at101(`${api("registered-models/alias")}${query({ name: flood.modelName, alias: flood.alias })}`);
    expect(alias.json.model_version).toMatchObject({ name: flood.modelName, version: flood.modelVersion });
    expect(alias.json.model_version.description ?? "").toBe("");
    expect(alias.json.model_version.aliases).toEqual([flood.alias]);
    const model = await at101(api(`logged-models/${flood.loggedModelId}`));
    expect(model.status).toBe(200);
    expect(JSON.stringify(model.json)).not.toContain("attack");
    const trace = await at101(`/api/3.0/mlflow/traces/${flood.traceId}`);
    expect(trace.status).toBe(200);
    expect(JSON.stringify(trace.json)).not.toContain("attack");
  });

  // MLflow answers several dataset writes on an id outside its workspace with 200 and no effect:
  // what proves isolation is that 101's dataset is unchanged afterwards.
  it("an owner of another project can neither read nor change this project's evaluation dataset", async () => {
    const ds = (rest = "") => `/api/3.0/mlflow/datasets/${flood.datasetId}${rest}`;
    expectNotFound(await expectSameAsUnknown((id) => ({ path: `/api/3.0/mlflow/datasets/${id}` }), flood.datasetId, `d-${fresh()}`), "datasets/get");
    const linked = await through102({ path: ds("/experiment-ids") });
    expect(linked.json?.experiment_ids ?? [], describeAnswer(linked)).toEqual([]);
    const records = await through102({ path: ds("/records") });
    expect(records.status, describeAnswer(records)).not.toBe(200);
    const writes: Call[] = [
      { method: "PATCH", path: ds("/tags"), body: { tags: JSON.stringify({ attack: "x" }) } },
      { method: "DELETE", path: ds("/tags/conformance.tag") },
      { method: "POST", path: ds("/records"), body: { records: JSON.stringify([{ inputs: { question: "attack" } }]) } },
      { method: "POST", path: ds("/add-experiments"), body: { experiment_ids: [segmentation.experimentId] } },
      { method: "POST", path: ds("/remove-experiments"), body: { experiment_ids: [flood.experimentId] } },
      { method: "DELETE", path: ds() },
    ];
    for (const write of writes) await through102(write);

    const at101 = (rest = "") => send({ path: `${tracking(FLOOD.path)}${ds(rest)}`, token: TOKENS.alice });
    const dataset = await at101();
    expect(dataset.status, describeAnswer(dataset)).toBe(200);
    expect(dataset.json.dataset.name).toBe(flood.datasetName);
    expect(JSON.parse(dataset.json.dataset.tags)).toEqual({ "conformance.tag": flood.tagValue });
    expect((await at101("/experiment-ids")).json.experiment_ids).toEqual([flood.experimentId]);
    const rows = JSON.parse((await at101("/records")).json.records) as { inputs: { question: string } }[];
    expect(rows.map((r) => r.inputs.question)).toEqual([flood.recordValue]);
  });

  it("listings through another project's URI show only that project's objects", async () => {
    const calls: Call[] = [
      { method: "POST", path: api("experiments/search"), body: { max_results: 1000, view_type: "ALL" } },
      { path: `${api("registered-models/search")}${query({ max_results: "1000" })}` },
      { path: `${api("model-versions/search")}${query({ max_results: "1000" })}` },
      { method: "POST", path: api("logged-models/search"), body: { experiment_ids: [segmentation.experimentId] } },
      { method: "POST", path: api("runs/search"), body: { experiment_ids: [segmentation.experimentId], run_view_type: "ALL" } },
      { method: "POST", path: "/api/3.0/mlflow/traces/search", body: { locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: segmentation.experimentId } }] } },
      { method: "POST", path: "/ajax-api/3.0/mlflow/datasets/search", body: {} },
    ];
    for (const call of calls) {
      const r = await through102(call);
      expect(r.status, describeAnswer(r)).toBe(200);
    }
    const experiments = await through102(calls[0]);
    const ids = experiments.json.experiments.map((e: { experiment_id: string }) => e.experiment_id);
    expect(ids).toContain(segmentation.experimentId);
    expect(ids).not.toContain(flood.experimentId);
    expect(new Set(experiments.json.experiments.map((e: { workspace?: string }) => e.workspace ?? SEGMENTATION.workspace))).toEqual(new Set([SEGMENTATION.workspace]));
    const models = await through102(calls[1]);
    expect(models.json.registered_models.map((m: { name: string }) => m.name)).toContain(segmentation.modelName);
  });

  it("the stock UI's workspace list through another project's URI names only that project's workspace", async () => {
    for (const path of ["/ajax-api/3.0/mlflow/workspaces", "/api/3.0/mlflow/workspaces"]) {
      const r = await through102({ path });
      expect(r.status).toBe(200);
      expect(r.json.workspaces.map((w: { name: string }) => w.name)).toEqual([SEGMENTATION.workspace]);
    }
    for (const name of [FLOOD.workspace, "default"]) {
      const r = await through102({ path: `/ajax-api/3.0/mlflow/workspaces/${name}` });
      expect(gatewayRefusal(r), describeAnswer(r)).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    }
  });

  it("the stock UI opened through another project's URI with ?workspace= naming this project stays in its own workspace", async () => {
    const r = await through102({ path: `/?workspace=${FLOOD.workspace}` });
    expect(r.status).toBe(302);
    const location = r.headers.location ?? "";
    expect(location.startsWith(`${tracking(SEGMENTATION.path)}/?workspace=${SEGMENTATION.workspace}`), location).toBe(true);
    expect(location).not.toContain(FLOOD.workspace);
  });
});
