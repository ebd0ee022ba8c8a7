// MLflow data planted and read back through a hub's gateway, for the suites that
// prove nothing was lost (backup and restore, restarts): the local stack's over
// HTTP and the compose appliance's over HTTPS alike, so only fetch.
import { createHash, randomBytes } from "node:crypto";

export const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

export interface Hub {
  /** The hub's origin, e.g. https://mlflow-hub.localhost:18443 */
  origin: string;
  token: string;
}

const tracking = (project: string) => `/mlflow/${project}/tracking`;

/** One MLflow REST call through the gateway; anything but 200 throws, naming the call. */
export async function mlflow(hub: Hub, project: string, method: "GET" | "POST", rest: string, body?: unknown): Promise<any> {
  const res = await fetch(`${hub.origin}${tracking(project)}/api/2.0/mlflow/${rest}`, {
    method,
    headers: { authorization: `Bearer ${hub.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${project} ${rest}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** The artifact proxy's URL of a storage path (mlflow-artifacts:/<path>). */
const artifactUrl = (hub: Hub, project: string, storagePath: string) => `${hub.origin}${tracking(project)}/api/2.0/mlflow-artifacts/artifacts/${storagePath}`;

export async function download(hub: Hub, project: string, storagePath: string): Promise<Buffer> {
  const res = await fetch(artifactUrl(hub, project, storagePath), { headers: { authorization: `Bearer ${hub.token}` } });
  if (!res.ok) throw new Error(`download ${storagePath}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

async function upload(hub: Hub, project: string, storagePath: string, body: Buffer | string) {
  const res = await fetch(artifactUrl(hub, project, storagePath), {
    method: "PUT",
    headers: { authorization: `Bearer ${hub.token}`, "content-type": "application/octet-stream" },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  if (res.status !== 200) throw new Error(`upload ${storagePath}: ${res.status} ${await res.text()}`);
}

/** Two runs with params, tags, 50-step metric histories and artifacts (16 MiB included), and a registered model with a version and an alias. */
export async function plant(hub: Hub, project: string, label: string) {
  const { experiment_id: experimentId } = await mlflow(hub, project, "POST", "experiments/create", { name: `${label}-experiment`, tags: [{ key: "purpose", value: label }] });
  for (const i of [0, 1]) {
    const run = await mlflow(hub, project, "POST", "runs/create", { experiment_id: experimentId, run_name: `${label}-run-${i}`, start_time: 1_700_000_000_000 + i, tags: [{ key: "variant", value: `v${i}` }] });
    const runId: string = run.run.info.run_id;
    await mlflow(hub, project, "POST", "runs/log-batch", {
      run_id: runId,
      params: [{ key: "lr", value: `0.0${i + 1}` }, { key: "layers", value: String(4 + i) }],
      metrics: Array.from({ length: 50 }, (_, step) => ({ key: "loss", value: 1 / (step + 1 + i), timestamp: 1_700_000_000_000 + step, step })).concat([{ key: "accuracy", value: 0.9 + i / 100, timestamp: 1_700_000_000_100, step: 0 }]),
    });
    const root = (run.run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
    await upload(hub, project, `${root}/notes.txt`, `notes of ${label} ${i}\n`);
    await upload(hub, project, `${root}/model/MLmodel`, `artifact_path: model\nflavors: {}\n`);
    await upload(hub, project, `${root}/model/weights.bin`, randomBytes(i === 0 ? 16 * 1024 * 1024 : 256 * 1024));
    await mlflow(hub, project, "POST", "runs/update", { run_id: runId, status: "FINISHED", end_time: 1_700_000_100_000 });
    if (i === 0) {
      const model = `${label}-model`;
      await mlflow(hub, project, "POST", "registered-models/create", { name: model, tags: [{ key: "owner", value: "alice" }] });
      await mlflow(hub, project, "POST", "model-versions/create", { name: model, source: `mlflow-artifacts:/${root}/model`, run_id: runId, tags: [{ key: "validated", value: "yes" }] });
      await mlflow(hub, project, "POST", "registered-models/alias", { name: model, alias: "champion", version: "1" });
    }
  }
}

const byKey = <T extends { key: string }>(items: T[] = []) => [...items].sort((a, b) => a.key.localeCompare(b.key));

async function artifactTree(hub: Hub, project: string, runId: string, root: string, dir = ""): Promise<Record<string, string>> {
  const q = new URLSearchParams({ run_id: runId, ...(dir ? { path: dir } : {}) });
  const { files = [] } = await mlflow(hub, project, "GET", `artifacts/list?${q}`);
  const out: Record<string, string> = {};
  for (const f of files as { path: string; is_dir: boolean }[]) {
    if (f.is_dir) Object.assign(out, await artifactTree(hub, project, runId, root, f.path));
    else out[f.path] = sha256(await download(hub, project, `${root}/${f.path}`));
  }
  return out;
}

/** Everything the hub serves for the projects: experiments, runs (params, tags, every metric's history, artifact bytes), models and versions. */
export async function snapshot(hub: Hub, projects: string[]) {
  const out: Record<string, unknown> = {};
  for (const p of projects) {
    const { experiments } = await mlflow(hub, p, "POST", "experiments/search", { max_results: 1000, view_type: "ALL" });
    const ids = (experiments as { experiment_id: string }[]).map((e) => e.experiment_id).sort();
    const { runs = [] } = await mlflow(hub, p, "POST", "runs/search", { experiment_ids: ids, max_results: 1000, run_view_type: "ALL" });
    const runViews = [];
    for (const r of runs as { info: { run_id: string; artifact_uri: string }; data: { params?: { key: string }[]; tags?: { key: string }[]; metrics?: { key: string }[] } }[]) {
      const histories: Record<string, unknown> = {};
      for (const m of byKey(r.data.metrics)) histories[m.key] = (await mlflow(hub, p, "GET", `metrics/get-history?run_id=${r.info.run_id}&metric_key=${m.key}`)).metrics;
      const root = r.info.artifact_uri.replace(/^mlflow-artifacts:\//, "");
      runViews.push({ info: r.info, params: byKey(r.data.params), tags: byKey(r.data.tags), histories, artifacts: await artifactTree(hub, p, r.info.run_id, root) });
    }
    const { registered_models: models = [] } = await mlflow(hub, p, "GET", "registered-models/search?max_results=1000");
    const { model_versions: versions = [] } = await mlflow(hub, p, "GET", "model-versions/search?max_results=1000");
    out[p] = { experiments, runs: runViews.sort((a, b) => a.info.run_id.localeCompare(b.info.run_id)), models, versions };
  }
  return out;
}
