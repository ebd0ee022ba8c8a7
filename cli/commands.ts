// What each mlflow-hub command does; cli/main.ts wires them to their arguments.
import { setTimeout as sleep } from "node:timers/promises";
import { config } from "@/lib/config";
import { checkDependencies } from "@/lib/health";
import { backup, restore } from "@/lib/ops/backup";
import { exportProject } from "@/lib/ops/export";
import { getGcRun, listGcRuns, pendingPurge, requestGc, type GcRun } from "@/lib/ops/gc";
import { listAll, searchAll } from "@/lib/ops/mlflow-admin";
import { gitlabPathOf, resolveProject, workspaceStats } from "@/lib/ops/projects";
import { bytes, json, print, progress, seconds, table, when } from "./output";

export interface JsonOption {
  json?: boolean;
}

/** Exit status for the caller: 0 when everything is fine. */
export async function status(o: JsonOption): Promise<number> {
  const deps = await checkDependencies();
  const [lastGc] = await listGcRuns(1).catch(() => [undefined]);
  if (o.json) {
    json({ dependencies: deps, lastGc: lastGc ?? null, gc: { schedule: config().MLFLOW_GC_SCHEDULE, olderThan: config().MLFLOW_GC_OLDER_THAN } });
  } else {
    print(table(["dependency", "status", "latency", "detail"], deps.map((d) => [d.name, d.ok ? "ok" : "DOWN", `${d.latencyMs} ms`, d.detail])));
    const gc = lastGc ? `last run ${when(lastGc.requestedAt)} ${lastGc.status}, removed ${lastGc.removedRuns} runs and ${lastGc.removedExperiments} experiments` : "never run";
    print(`garbage collection: ${gc}; schedule "${config().MLFLOW_GC_SCHEDULE}", older than ${config().MLFLOW_GC_OLDER_THAN}`);
  }
  return deps.every((d) => d.ok) ? 0 : 1;
}

export async function projects(o: JsonOption): Promise<number> {
  const stats = await workspaceStats();
  const lookup = config().GITLAB_SERVICE_TOKEN;
  if (!lookup) progress("GITLAB_SERVICE_TOKEN is not set: project paths are not looked up");
  const rows = await Promise.all(
    stats
      .filter((s) => s.projectId !== null)
      .map(async (s) => ({ ...s, path: lookup ? ((await gitlabPathOf(s.projectId!)) ?? "(gone from GitLab)") : "?" })),
  );
  if (o.json) json(rows);
  else print(table(["id", "path", "experiments", "runs", "models", "last activity"], rows.map((r) => [r.projectId!, r.path, r.experiments, r.runs, r.registeredModels, when(r.lastActivity)])));
  return 0;
}

export async function experiments(ref: string, o: JsonOption & { all?: boolean }): Promise<number> {
  const project = await resolveProject(ref);
  const found = await searchAll<{ experiment_id: string; name: string; lifecycle_stage: string; creation_time?: string; last_update_time?: string }>(
    project.workspace,
    "/api/2.0/mlflow/experiments/search",
    "experiments",
    { max_results: 1000, view_type: o.all ? "ALL" : "ACTIVE_ONLY" },
  );
  if (o.json) json(found);
  else {
    const date = (ms?: string) => (ms ? when(new Date(Number(ms))) : "-");
    print(table(["id", "name", "stage", "created", "updated"], found.map((e) => [e.experiment_id, e.name, e.lifecycle_stage, date(e.creation_time), date(e.last_update_time)])));
  }
  return 0;
}

export async function models(ref: string, o: JsonOption): Promise<number> {
  const project = await resolveProject(ref);
  const found = await listAll<{ name: string; latest_versions?: { version: string; current_stage: string }[]; aliases?: { alias: string; version: string }[]; last_updated_timestamp?: string }>(
    project.workspace,
    "/api/2.0/mlflow/registered-models/search",
    "registered_models",
    { max_results: "1000" },
  );
  if (o.json) json(found);
  else {
    const versions = (m: (typeof found)[number]) => (m.latest_versions ?? []).map((v) => `v${v.version} (${v.current_stage})`).join(", ") || "-";
    const aliases = (m: (typeof found)[number]) => (m.aliases ?? []).map((a) => `${a.alias}→v${a.version}`).join(", ") || "-";
    print(table(["name", "latest versions", "aliases", "updated"], found.map((m) => [m.name, versions(m), aliases(m), m.last_updated_timestamp ? when(new Date(Number(m.last_updated_timestamp))) : "-"])));
  }
  return 0;
}

export async function exportCommand(ref: string, dir: string): Promise<number> {
  const project = await resolveProject(ref);
  const t0 = Date.now();
  const s = await exportProject(project, dir, progress);
  print(`exported ${project.path ?? project.id} to ${dir}: ${s.experiments} experiments, ${s.runs} runs, ${s.artifacts} artifacts (${bytes(s.artifactBytes)}), ${s.registeredModels} registered models in ${seconds(Date.now() - t0)}`);
  return 0;
}

const describeRun = (r: GcRun) =>
  `${r.status}: removed ${r.removedRuns} runs and ${r.removedExperiments} experiments` +
  Object.entries(r.removed)
    .map(([ws, w]) => `\n  ${ws}: ${w.runs.length} runs, ${w.experiments.length} experiments`)
    .join("");

export async function gc(o: JsonOption & { olderThan?: string; wait: boolean; timeout: string; pending?: boolean; history?: string | boolean }): Promise<number> {
  if (o.pending) {
    const waiting = await pendingPurge();
    if (o.json) json(waiting);
    else print(table(["workspace", "deleted runs", "deleted experiments", "due runs", "due experiments", "oldest"], waiting.map((p) => [p.workspace, p.deletedRuns, p.deletedExperiments, p.dueRuns, p.dueExperiments, when(p.oldestDeletedAt)])));
    return 0;
  }
  if (o.history) {
    const runs = await listGcRuns(typeof o.history === "string" ? Number(o.history) : 10);
    if (o.json) json(runs);
    else print(table(["requested", "trigger", "older than", "status", "runs", "experiments", "took"], runs.map((r) => [when(r.requestedAt), r.trigger, r.olderThan, r.status, r.removedRuns, r.removedExperiments, r.startedAt && r.finishedAt ? seconds(+r.finishedAt - +r.startedAt) : "-"])));
    return 0;
  }
  const requested = await requestGc("cli", o.olderThan);
  if (!o.wait) {
    if (o.json) json(requested);
    else print(`GC run ${requested.id} requested (older than ${requested.olderThan}); the mlflow-gc worker picks it up within seconds`);
    return 0;
  }
  progress(`GC run ${requested.id} requested (older than ${requested.olderThan}), waiting for the mlflow-gc worker…`);
  const deadline = Date.now() + Number(o.timeout) * 1000;
  for (;;) {
    const run = (await getGcRun(requested.id))!;
    if (run.status === "succeeded" || run.status === "failed") {
      if (o.json) json(run);
      else print(describeRun(run) + (run.error ? `\n${run.error}` : ""));
      return run.status === "succeeded" ? 0 : 1;
    }
    if (Date.now() > deadline) {
      throw new Error(`GC run ${run.id} is still ${run.status} after ${o.timeout} s${run.status === "requested" ? ": is the mlflow-gc service running?" : ""}`);
    }
    await sleep(500);
  }
}

export async function backupCommand(dir: string): Promise<number> {
  const t0 = Date.now();
  const { dir: written, manifest } = await backup(dir, progress);
  const dbBytes = manifest.databases.hub.bytes + manifest.databases.mlflow.bytes;
  print(`backup written to ${written} in ${seconds(Date.now() - t0)}: databases ${bytes(dbBytes)}, ${manifest.bucket.objects.length} objects (${bytes(manifest.bucket.bytes)})`);
  return 0;
}

export async function restoreCommand(dir: string, o: { force?: boolean }): Promise<number> {
  const t0 = Date.now();
  const manifest = await restore(dir, { force: o.force, log: progress });
  print(`restored the backup of ${manifest.createdAt} in ${seconds(Date.now() - t0)}: both databases, ${manifest.bucket.objects.length} objects (${bytes(manifest.bucket.bytes)})`);
  return 0;
}
