// A project's MLflow data as plain files: JSON for experiments, runs (params,
// tags, every metric's full history) and registered models, the artifacts as
// they were logged. Read from MLflow directly, in the project's workspace.
import fs from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { artifactStream, listAll, mlflowJson, searchAll } from "./mlflow-admin";
import type { ProjectRef } from "./projects";

interface Experiment {
  experiment_id: string;
  name: string;
  [k: string]: unknown;
}
interface KeyValue {
  key: string;
  value: string;
}
interface Run {
  info: { run_id: string; artifact_uri: string; [k: string]: unknown };
  data: { params?: KeyValue[]; tags?: KeyValue[]; metrics?: { key: string }[] };
  inputs?: unknown;
  outputs?: unknown;
}
interface Metric {
  key: string;
  value: number;
  timestamp: string;
  step: string;
}
interface ArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: string;
}

export interface ExportSummary {
  experiments: number;
  runs: number;
  artifacts: number;
  artifactBytes: number;
  registeredModels: number;
}

const writeJson = (file: string, value: unknown) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
};

/** `base/relative`, refusing a relative path that climbs out of base (MLflow reports artifact paths as stored). */
function inside(base: string, relative: string): string {
  const file = path.resolve(base, ...relative.split("/"));
  if (!file.startsWith(base + path.sep)) throw new Error(`artifact path ${JSON.stringify(relative)} leaves the export folder`);
  return file;
}

async function artifactFiles(workspace: string, runId: string, dir = ""): Promise<ArtifactFile[]> {
  const q = new URLSearchParams({ run_id: runId, ...(dir ? { path: dir } : {}) });
  const { files = [] } = await mlflowJson<{ files?: ArtifactFile[] }>(workspace, "GET", `/api/2.0/mlflow/artifacts/list?${q}`);
  const nested = await Promise.all(files.map((f) => (f.is_dir ? artifactFiles(workspace, runId, f.path) : [f])));
  return nested.flat();
}

async function exportRun(workspace: string, run: Run, runDir: string): Promise<{ artifacts: number; bytes: number }> {
  const runId = run.info.run_id;
  const metrics: Record<string, { step: number; timestamp: number; value: number }[]> = {};
  for (const key of new Set((run.data.metrics ?? []).map((m) => m.key))) {
    const history = await listAll<Metric>(workspace, "/api/2.0/mlflow/metrics/get-history", "metrics", { run_id: runId, metric_key: key, max_results: "25000" });
    metrics[key] = history.map((m) => ({ step: Number(m.step ?? 0), timestamp: Number(m.timestamp), value: m.value })).sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }
  writeJson(path.join(runDir, "run.json"), {
    info: run.info,
    params: Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value])),
    tags: Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value])),
    metrics,
    inputs: run.inputs ?? null,
    outputs: run.outputs ?? null,
  });

  const root = run.info.artifact_uri.replace(/^mlflow-artifacts:\/*/, "");
  const files = await artifactFiles(workspace, runId);
  const artifactsDir = path.join(runDir, "artifacts");
  let bytes = 0;
  for (const f of files) {
    const target = inside(artifactsDir, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    await pipeline(await artifactStream(workspace, `${root}/${f.path}`), fs.createWriteStream(target));
    bytes += fs.statSync(target).size;
  }
  return { artifacts: files.length, bytes };
}

/**
 * Writes the project's active experiments and runs and its registered models under `dir`,
 * which must not exist or be empty:
 *
 *   project.json                                   the project and what was exported
 *   experiments/<id>/experiment.json               MLflow's experiment object
 *   experiments/<id>/runs/<run id>/run.json        info, params, tags, metrics (full history per key)
 *   experiments/<id>/runs/<run id>/artifacts/…     the run's artifacts
 *   models.json                                    registered models, each with its versions
 */
export async function exportProject(project: ProjectRef, dir: string, log: (m: string) => void = () => {}): Promise<ExportSummary> {
  const out = path.resolve(dir);
  if (fs.existsSync(out) && fs.readdirSync(out).length) throw new Error(`${out} is not empty: export into a new folder`);
  fs.mkdirSync(out, { recursive: true });
  const ws = project.workspace;
  const summary: ExportSummary = { experiments: 0, runs: 0, artifacts: 0, artifactBytes: 0, registeredModels: 0 };

  const experiments = await searchAll<Experiment>(ws, "/api/2.0/mlflow/experiments/search", "experiments", { max_results: 1000, view_type: "ACTIVE_ONLY" });
  for (const experiment of experiments) {
    const expDir = path.join(out, "experiments", experiment.experiment_id);
    writeJson(path.join(expDir, "experiment.json"), experiment);
    const runs = await searchAll<Run>(ws, "/api/2.0/mlflow/runs/search", "runs", { experiment_ids: [experiment.experiment_id], max_results: 1000, run_view_type: "ACTIVE_ONLY" });
    log(`experiment ${experiment.name}: ${runs.length} runs`);
    for (const run of runs) {
      const { artifacts, bytes } = await exportRun(ws, run, path.join(expDir, "runs", run.info.run_id));
      summary.runs++;
      summary.artifacts += artifacts;
      summary.artifactBytes += bytes;
    }
    summary.experiments++;
  }

  const models = await listAll<{ name: string }>(ws, "/api/2.0/mlflow/registered-models/search", "registered_models", { max_results: "1000" });
  const withVersions = [];
  for (const model of models) {
    const filter = `name='${model.name.replace(/'/g, "\\'")}'`;
    const versions = await listAll(ws, "/api/2.0/mlflow/model-versions/search", "model_versions", { filter, max_results: "1000" });
    withVersions.push({ ...model, versions });
  }
  summary.registeredModels = models.length;
  writeJson(path.join(out, "models.json"), withVersions);
  writeJson(path.join(out, "project.json"), { ...project, exportedAt: new Date().toISOString(), ...summary });
  return summary;
}
