import { randomBytes } from "node:crypto";
import { FLOOD, must, SEGMENTATION, send, TOKENS, tracking } from "./hub.ts";

/** Real objects in one project's MLflow, planted through the hub, with the strings that must never show up elsewhere. */
export interface Planted {
  projectPath: string;
  workspace: string;
  experimentId: string;
  experimentName: string;
  runId: string;
  /** `workspaces/<ws>/<experiment>/<run>/artifacts`, the run's raw storage path. */
  artifactRoot: string;
  artifactFile: string;
  loggedModelId: string;
  modelName: string;
  modelVersion: string;
  alias: string;
  traceId: string;
  datasetId: string;
  datasetName: string;
  recordValue: string;
  paramValue: string;
  tagValue: string;
  artifactContent: string;
  /** Every string unique to this project's data: none may reach a caller of another project. */
  secrets: readonly string[];
}

const api = (projectPath: string, rest: string) => `${tracking(projectPath)}/api/2.0/mlflow/${rest}`;

/**
 * Plants an experiment, a run with a param, tag and metric history, two
 * artifacts, a logged model, a registered model with a version and an alias,
 * a trace with its span data, and an evaluation dataset with a record. Markers are random per call: the stack keeps earlier runs' data.
 */
export async function plant(project: { path: string; workspace: string }, token: string, label: string): Promise<Planted> {
  const marker = `conformance-${label}-${randomBytes(6).toString("hex")}`;
  const as = (path: string, body?: unknown, method = body === undefined ? "GET" : "POST") => must({ method, path: api(project.path, path), token, body });

  const experimentName = `${marker}-experiment`;
  const { experiment_id: experimentId } = await as("experiments/create", { name: experimentName });
  const tagValue = `${marker}-tag-value`;
  const run = await as("runs/create", { experiment_id: experimentId, run_name: `${marker}-run`, tags: [{ key: "conformance.tag", value: tagValue }] });
  const runId: string = run.run.info.run_id;
  const paramValue = `${marker}-param-value`;
  const now = Date.now();
  await as("runs/log-batch", {
    run_id: runId,
    params: [{ key: "conformance.param", value: paramValue }],
    metrics: [0, 1, 2].map((step) => ({ key: "loss", value: 1 / (step + 1), timestamp: now + step, step })),
  });

  const artifactRoot = `workspaces/${project.workspace}/${experimentId}/${runId}/artifacts`;
  if (!(run.run.info.artifact_uri as string).endsWith(artifactRoot)) throw new Error(`unexpected artifact URI ${run.run.info.artifact_uri}`);
  const artifactContent = `${marker}-artifact-content`;
  const upload = (file: string, content: string) =>
    must({ method: "PUT", path: `${tracking(project.path)}/api/2.0/mlflow-artifacts/artifacts/${artifactRoot}/${file}`, token, body: content, headers: { "content-type": "text/plain" } });
  await upload("notes.txt", artifactContent);
  await upload("model/MLmodel", `artifact_path: model\nconformance: ${artifactContent}\n`);

  const logged = await as("logged-models", { experiment_id: experimentId, name: `${marker}-logged-model`, source_run_id: runId });
  const loggedModelId: string = logged.model.info.model_id;

  const modelName = `${marker}-registered-model`;
  await as("registered-models/create", { name: modelName });
  const version = await as("model-versions/create", { name: modelName, source: `mlflow-artifacts:/${artifactRoot}/model`, run_id: runId });
  const modelVersion: string = version.model_version.version;
  const alias = "champion";
  await as("registered-models/alias", { name: modelName, alias, version: modelVersion });

  const trace = await as("traces", { experiment_id: experimentId, timestamp_ms: now, request_metadata: [], tags: [{ key: "conformance.tag", value: tagValue }] });
  const traceId: string = trace.trace_info.request_id;
  // The trace's span data, where MLflow reads it for the UI (get-trace-artifact): the v2 artifact location.
  await must({
    method: "PUT",
    path: `${tracking(project.path)}/api/2.0/mlflow-artifacts/artifacts/workspaces/${project.workspace}/${experimentId}/traces/${traceId}/artifacts/traces.json`,
    token,
    body: JSON.stringify({ spans: [], conformance: artifactContent }),
  });

  const datasetName = `${marker}-dataset`;
  const dataset = await must({
    method: "POST",
    path: `${tracking(project.path)}/api/3.0/mlflow/datasets/create`,
    token,
    body: { name: datasetName, experiment_ids: [experimentId], tags: JSON.stringify({ "conformance.tag": tagValue }) },
  });
  const datasetId: string = dataset.dataset.dataset_id;
  const recordValue = `${marker}-record-value`;
  await must({
    method: "POST",
    path: `${tracking(project.path)}/api/3.0/mlflow/datasets/${datasetId}/records`,
    token,
    body: { records: JSON.stringify([{ inputs: { question: recordValue }, expectations: { answer: recordValue } }]) },
  });

  return {
    projectPath: project.path,
    workspace: project.workspace,
    experimentId,
    experimentName,
    runId,
    artifactRoot,
    artifactFile: "notes.txt",
    loggedModelId,
    modelName,
    modelVersion,
    alias,
    traceId,
    datasetId,
    datasetName,
    recordValue,
    paramValue,
    tagValue,
    artifactContent,
    secrets: [runId, traceId, loggedModelId, datasetId, modelName, experimentName, datasetName, paramValue, tagValue, artifactContent, recordValue, `${marker}-run`, `${marker}-logged-model`],
  };
}

/** Project 101's objects, planted by bob (Developer of ml-team). */
export const plantFlood = () => plant(FLOOD, TOKENS.bob, "flood");

/**
 * Project 102's objects, planted by carol: Reporter of ml-team but Developer of
 * ml-team/vision, so she writes in 102 only through the nested group.
 */
export const plantSegmentation = () => plant(SEGMENTATION, TOKENS.carol, "segmentation");

/** Whether a run is still as planted: its tag and param unchanged and not deleted. */
export async function runAsPlanted(p: Planted) {
  const r = await send({ path: `${api(p.projectPath, "runs/get")}?run_id=${p.runId}`, token: TOKENS.alice });
  const tags = Object.fromEntries((r.json?.run?.data?.tags ?? []).map((t: { key: string; value: string }) => [t.key, t.value]));
  const params = Object.fromEntries((r.json?.run?.data?.params ?? []).map((t: { key: string; value: string }) => [t.key, t.value]));
  return { status: r.status, lifecycle: r.json?.run?.info?.lifecycle_stage, runName: r.json?.run?.info?.run_name, tag: tags["conformance.tag"], param: params["conformance.param"], extraTags: Object.keys(tags).filter((k) => k.startsWith("attack")) };
}
