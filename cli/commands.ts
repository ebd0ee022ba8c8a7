// What each mlflow-hub command does; cli/main.ts wires them to their arguments.
import fs from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { config } from "@/lib/config";
import { checkDependencies } from "@/lib/health";
import { backup, restore } from "@/lib/ops/backup";
import { exportProject } from "@/lib/ops/export";
import { getGcRun, listGcRuns, pendingPurge, requestGc, type GcRun } from "@/lib/ops/gc";
import { listAll, searchAll } from "@/lib/ops/mlflow-admin";
import { localSource, s3Source } from "@/lib/ops/sharinghub/artifacts";
import { migrateSharingHub, MigrationRefused, type ExperimentArtifacts, type MigrationReport } from "@/lib/ops/sharinghub/migrate";
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

export interface MigrateSharingHubOptions extends JsonOption {
  artifacts: string;
  dryRun?: boolean;
  stripSuffix?: boolean;
  backupDir?: string;
  python?: string;
  sourceS3Endpoint?: string;
  sourceS3Region: string;
}

/** The MLflow 3.17 virtualenv's Python: named, or in a checkout the one the local stack runs MLflow with. */
async function migrationPython(named?: string): Promise<string> {
  const chosen = named ?? process.env.MLFLOW_HUB_PYTHON;
  if (chosen) return chosen;
  const tools = path.resolve(import.meta.dirname, "..", "infra", "local", "tools.ts");
  if (!fs.existsSync(tools)) throw new Error("set MLFLOW_HUB_PYTHON (or --python) to the Python of a virtualenv with infra/mlflow/requirements.txt installed");
  const { ensureMlflowVenv } = (await import(tools)) as typeof import("../infra/local/tools");
  return path.join(await ensureMlflowVenv(), "bin", "python");
}

function artifactSource(o: MigrateSharingHubOptions) {
  if (!o.artifacts.startsWith("s3://")) return localSource(o.artifacts);
  const accessKey = process.env.SHARINGHUB_S3_ACCESS_KEY;
  const secretKey = process.env.SHARINGHUB_S3_SECRET_KEY;
  if (!o.sourceS3Endpoint || !accessKey || !secretKey) {
    throw new Error("an s3:// artifact root needs --source-s3-endpoint and the SharingHub store's keys in SHARINGHUB_S3_ACCESS_KEY and SHARINGHUB_S3_SECRET_KEY");
  }
  return s3Source(o.artifacts, { endpoint: o.sourceS3Endpoint, accessKey, secretKey, region: o.sourceS3Region });
}

function describePlan(r: MigrationReport): string {
  const lines = [`source: ${r.source.schema ?? "unknown"} schema (revision ${r.source.revision}), artifacts in ${r.source.artifacts}`];
  const state = (s: "move" | "migrated", a?: ExperimentArtifacts) =>
    s === "move" ? "to move" : a && a.missingFiles ? `migrated already, ${a.missingFiles} files (${bytes(a.missingBytes)}) still to copy` : "migrated already";
  for (const p of r.plan.projects) {
    lines.push(`project ${p.path} (id ${p.id}) → workspace ${p.workspace}`);
    for (const e of p.experiments) {
      const a = r.artifacts[e.sourceId];
      const renamed = e.name === e.sourceName ? "" : ` → "${e.name}"`;
      lines.push(`  experiment "${e.sourceName}"${renamed}: ${e.runs} runs, ${a?.files ?? 0} files (${bytes(a?.bytes ?? 0)}): ${state(e.state, a)}`);
    }
    for (const m of p.models) {
      const renamed = m.name === m.sourceName ? "" : ` → "${m.name}"`;
      lines.push(`  model "${m.sourceName}"${renamed}: ${m.versions} versions, ${m.aliases} aliases: ${state(m.state)}`);
    }
  }
  const { experiments, models } = r.plan.unowned;
  if (experiments.length || models.length) {
    lines.push("not moved, no project named (no project tag, no (<id>) suffix):");
    for (const e of experiments) lines.push(`  experiment "${e.name}" (id ${e.id}, ${e.runs} runs)`);
    for (const m of models) lines.push(`  model "${m.name}" (${m.versions} versions)`);
  }
  const moving = r.plan.projects.flatMap((p) => p.experiments.filter((e) => e.state === "move"));
  const movingModels = r.plan.projects.flatMap((p) => p.models.filter((m) => m.state === "move"));
  const files = Object.values(r.artifacts).reduce((n, a) => n + a.missingFiles, 0);
  const size = Object.values(r.artifacts).reduce((n, a) => n + a.missingBytes, 0);
  lines.push(
    `to move: ${moving.length} experiments (${moving.reduce((n, e) => n + e.runs, 0)} runs), ${movingModels.length} registered models (${movingModels.reduce((n, m) => n + m.versions, 0)} versions), ${files} artifact files (${bytes(size)})`,
  );
  return lines.join("\n");
}

export async function migrateSharingHubCommand(source: string, o: MigrateSharingHubOptions): Promise<number> {
  const t0 = Date.now();
  let report: MigrationReport;
  try {
    report = await migrateSharingHub({
      source,
      artifacts: artifactSource(o),
      dryRun: !!o.dryRun,
      stripSuffix: !!o.stripSuffix,
      backupDir: o.backupDir,
      python: await migrationPython(o.python),
      log: progress,
    });
  } catch (e) {
    if (!(e instanceof MigrationRefused)) throw e;
    if (o.json) json({ refused: e.refusals, report: e.report ?? null });
    else if (e.report) print(describePlan(e.report));
    progress(`mlflow-hub: migrate-sharinghub ${e.message}`);
    return 1;
  }
  const took = Date.now() - t0;
  if (o.json) json({ ...report, seconds: took / 1000 });
  else {
    print(describePlan(report));
    if (report.dryRun) print("dry run: nothing was changed");
    else if (report.nothingToDo) print("nothing to move: everything in this source was migrated already");
    else {
      const r = report.result!;
      print(`migrated in ${seconds(took)}: ${r.experiments.length} experiments and ${Object.entries(r.rows).filter(([t]) => t === "registered_models").map(([, n]) => n)[0] ?? 0} registered models written, ${r.copiedFiles} artifact files copied (${bytes(r.copiedBytes)}), ${r.skippedFiles} already there; backup in ${r.backup}`);
    }
  }
  return 0;
}
