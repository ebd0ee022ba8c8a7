// `mlflow-hub migrate-sharinghub`: an mlflow-sharinghub deployment's MLflow
// database and artifacts, into the hub's MLflow with one workspace per GitLab
// project. The order makes it safe to stop at any point and run again:
//   1. copy the source database to a scratch file and upgrade the copy (the source is only read);
//   2. plan from the copy, GitLab's answers and the hub's database; refuse before writing anything;
//   3. back up the hub (mlflow-hub backup);
//   4. write the database rows in one transaction, each experiment and model marked as migrated;
//   5. copy the artifacts, skipping what is already in the bucket.
// A later run finds the marked rows (nothing to write) and copies only what step 5 missed.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { config } from "@/lib/config";
import { GitLabApiError, gitlabGet } from "@/lib/gitlab/api";
import { backup } from "../backup";
import { bucketClient } from "../bucket";
import { mlflowJson, MlflowError } from "../mlflow-admin";
import { mlflowDb } from "../mlflow-db";
import { ArtifactError, copyAll, missing, type ArtifactSource, type CopyItem, type SourceFile } from "./artifacts";
import {
  MIGRATED_FROM_TAG,
  nothingToWrite,
  planMigration,
  projectsToResolve,
  SHARINGHUB_SCHEMA_REVISIONS,
  type ExperimentPlan,
  type GitLabProject,
  type Inventory,
  type Plan,
  type TargetState,
} from "./plan";

export class MigrationRefused extends Error {
  override name = "MigrationRefused";
  constructor(
    readonly refusals: string[],
    readonly report?: MigrationReport,
  ) {
    super(`refused, nothing was changed:\n${refusals.map((r) => `  - ${r}`).join("\n")}`);
  }
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface MigrateOptions {
  /** sqlite:///<file>, a path to the SQLite file, or postgresql://… (read only). */
  source: string;
  artifacts: ArtifactSource;
  dryRun: boolean;
  stripSuffix: boolean;
  /** Where the backup taken before any write goes; required unless dryRun. */
  backupDir?: string;
  /** Python of a virtualenv with MLflow 3.17.2 (the MLflow server's). */
  python: string;
  log?: (message: string) => void;
}

export interface ExperimentArtifacts {
  files: number;
  bytes: number;
  /** Files not in the hub's bucket yet (all of them for an experiment still to move). */
  missingFiles: number;
  missingBytes: number;
}

export interface MigrationReport {
  dryRun: boolean;
  source: { revision: string | null; schema: string | undefined; artifacts: string };
  plan: Plan;
  artifacts: Record<string, ExperimentArtifacts>;
  /** What was done; absent in a dry run. */
  result?: {
    backup: string | null;
    experiments: { sourceId: string; targetId: string; workspace: string }[];
    rows: Record<string, number>;
    copiedFiles: number;
    copiedBytes: number;
    skippedFiles: number;
  };
  /** True when there was nothing left to move. */
  nothingToDo: boolean;
}

const SCRIPT = path.join(import.meta.dirname, "sharinghub_db.py");

/** Accepts a bare file path for the SQLite case, as operators type it. */
export function sourceUrl(source: string): string {
  if (/^(sqlite|postgres(ql)?(\+psycopg2)?):/.test(source)) return source;
  return `sqlite:///${path.resolve(source)}`;
}

function runPython<T>(python: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20_000)));
    child.on("error", (e) => reject(new MigrationError(`cannot run ${python} (the MLflow 3.17 virtualenv; --python or MLFLOW_HUB_PYTHON names it): ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(stdout) as T);
        } catch {
          reject(new MigrationError(`sharinghub_db.py ${args[0]} printed no JSON: ${stdout.slice(0, 300)}`));
        }
        return;
      }
      const last = stderr.trim().split("\n").pop() ?? "";
      let message = stderr.trim().slice(-2000);
      try {
        message = (JSON.parse(last) as { error: string }).error;
      } catch {
        /* a traceback: shown as is */
      }
      reject(new MigrationError(`sharinghub_db.py ${args[0]} failed: ${message}`));
    });
  });
}

async function lookUp(route: string, token: string): Promise<GitLabProject | null> {
  try {
    const p = await gitlabGet<{ id: number; path_with_namespace: string }>(route, token);
    return { id: p.id, path: p.path_with_namespace };
  } catch (e) {
    if (e instanceof GitLabApiError && e.status === 404) return null;
    throw e;
  }
}

/** GitLab's answer for every project id and path the source names, with the hub's service token. */
async function resolveProjects(inventory: Inventory) {
  const { ids, paths } = projectsToResolve(inventory);
  const byId = new Map<number, GitLabProject | null>();
  const byPath = new Map<string, GitLabProject | null>();
  if (!ids.length && !paths.length) return { byId, byPath };
  const token = config().GITLAB_SERVICE_TOKEN;
  if (!token) throw new MigrationError("GITLAB_SERVICE_TOKEN is not set: the migration maps SharingHub's projects to GitLab project ids through GitLab");
  for (const id of ids) byId.set(id, await lookUp(`/projects/${id}`, token));
  for (const p of paths) byPath.set(p, await lookUp(`/projects/${encodeURIComponent(p)}`, token));
  return { byId, byPath };
}

/** What the hub's MLflow holds in these workspaces, and where the source's run ids already are. */
async function targetState(workspaces: string[], runIds: string[]): Promise<TargetState> {
  const db = mlflowDb();
  const experiments = await db.query<{ workspace: string; id: string; name: string; artifact_location: string; migrated_from: string | null }>(
    `select e.workspace, e.experiment_id::text as id, e.name, e.artifact_location, t.value as migrated_from
       from experiments e left join experiment_tags t on t.experiment_id = e.experiment_id and t.key = $2
      where e.workspace = any($1)`,
    [workspaces, MIGRATED_FROM_TAG],
  );
  const models = await db.query<{ workspace: string; name: string; migrated_from: string | null }>(
    `select m.workspace, m.name, t.value as migrated_from
       from registered_models m left join registered_model_tags t on t.workspace = m.workspace and t.name = m.name and t.key = $2
      where m.workspace = any($1)`,
    [workspaces, MIGRATED_FROM_TAG],
  );
  const runs = await db.query<{ id: string; workspace: string; experiment_id: string }>(
    `select r.run_uuid as id, e.workspace, r.experiment_id::text as experiment_id from runs r join experiments e on e.experiment_id = r.experiment_id where r.run_uuid = any($1)`,
    [runIds],
  );
  return {
    experiments: experiments.rows.map((r) => ({ workspace: r.workspace, id: r.id, name: r.name, migratedFrom: r.migrated_from, artifactLocation: r.artifact_location })),
    models: models.rows.map((r) => ({ workspace: r.workspace, name: r.name, migratedFrom: r.migrated_from })),
    runs: runs.rows.map((r) => ({ id: r.id, workspace: r.workspace, experimentId: r.experiment_id })),
  };
}

/** The bucket key of a source file of an experiment, once the experiment has its id in the hub. */
const targetKey = (workspace: string, targetId: string, e: ExperimentPlan, f: SourceFile) => `workspaces/${workspace}/${targetId}/${f.key.slice(e.artifactDir.length + 1)}`;

/** Creates the project's workspace as the gateway does on a project's first call; one that exists is fine. */
async function ensureWorkspace(workspace: string, projectId: number) {
  try {
    await mlflowJson(null, "POST", "/api/3.0/mlflow/workspaces", { name: workspace, description: `GitLab project ${projectId}` });
  } catch (e) {
    if (!(e instanceof MlflowError && (e.errorCode === "RESOURCE_ALREADY_EXISTS" || /already exists/.test(e.message)))) throw e;
  }
}

export async function migrateSharingHub(o: MigrateOptions): Promise<MigrationReport> {
  const log = o.log ?? (() => {});
  if (!o.dryRun && !o.backupDir) throw new MigrationError("--backup-dir is required: the migration backs up the hub before it writes (or use --dry-run)");
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-hub-sharinghub-"));
  const scratch = path.join(scratchDir, "source.db");
  try {
    log("copying the SharingHub database and upgrading the copy to MLflow 3.17's schema (the source is only read)…");
    const inventory = await runPython<Inventory>(o.python, ["inventory", "--source", sourceUrl(o.source), "--scratch", scratch, "--accept", ...Object.keys(SHARINGHUB_SCHEMA_REVISIONS)]);
    const resolutions = inventory.accepted ? await resolveProjects(inventory) : { byId: new Map(), byPath: new Map() };
    const workspaces = [...new Set([...resolutions.byId.values(), ...resolutions.byPath.values()].filter((p): p is GitLabProject => !!p).map((p) => `gitlab-${p.id}`))];
    const runIds = (inventory.experiments ?? []).flatMap((e) => e.runs.map((r) => r.id));
    const target = await targetState(workspaces, runIds);
    const plan = planMigration(inventory, resolutions, target, { stripSuffix: o.stripSuffix, artifactDirOf: (l) => o.artifacts.dirOf(l) });
    const report: MigrationReport = {
      dryRun: o.dryRun,
      source: { revision: inventory.revision, schema: inventory.revision ? SHARINGHUB_SCHEMA_REVISIONS[inventory.revision] : undefined, artifacts: o.artifacts.description },
      plan,
      artifacts: {},
      nothingToDo: false,
    };
    if (plan.refusals.length) throw new MigrationRefused(plan.refusals, report);

    log(`listing the artifacts in ${o.artifacts.description}…`);
    const files = new Map<string, SourceFile[]>();
    const client = bucketClient();
    const bucket = config().S3_BUCKET;
    const refusals: string[] = [];
    for (const p of plan.projects) {
      for (const e of p.experiments) {
        let listed: SourceFile[];
        try {
          listed = await o.artifacts.list(e.artifactDir);
        } catch (err) {
          if (err instanceof ArtifactError) {
            refusals.push(`experiment "${e.sourceName}": ${err.message}`);
            continue;
          }
          throw err;
        }
        files.set(e.sourceId, listed);
        const bytes = listed.reduce((n, f) => n + f.size, 0);
        const absent = e.state === "migrated" ? await missing(client, bucket, listed.map((f) => ({ source: f, target: targetKey(p.workspace, e.targetId!, e, f) }))) : listed.map((f) => ({ source: f, target: "" }));
        report.artifacts[e.sourceId] = { files: listed.length, bytes, missingFiles: absent.length, missingBytes: absent.reduce((n, i) => n + i.source.size, 0) };
      }
    }
    if (refusals.length) throw new MigrationRefused(refusals, report);
    const toCopy = Object.values(report.artifacts).reduce((n, a) => n + a.missingFiles, 0);
    report.nothingToDo = nothingToWrite(plan) && toCopy === 0;
    if (o.dryRun || report.nothingToDo) return report;

    log(`backing up the hub into ${o.backupDir} first…`);
    const taken = await backup(o.backupDir!, log);
    report.result = { backup: taken.dir, experiments: [], rows: {}, copiedFiles: 0, copiedBytes: 0, skippedFiles: 0 };

    for (const p of plan.projects) await ensureWorkspace(p.workspace, p.id);
    const toMove = plan.projects.flatMap((p) => p.experiments.filter((e) => e.state === "move").map((e) => ({ sourceId: e.sourceId, workspace: p.workspace, name: e.name, marker: e.marker })));
    const modelsToMove = plan.projects.flatMap((p) => p.models.filter((m) => m.state === "move").map((m) => ({ sourceName: m.sourceName, workspace: p.workspace, name: m.name, marker: m.marker })));
    if (toMove.length || modelsToMove.length) {
      log(`writing ${toMove.length} experiments and ${modelsToMove.length} registered models into MLflow's database (one transaction)…`);
      const planFile = path.join(scratchDir, "plan.json");
      fs.writeFileSync(planFile, JSON.stringify({ markerKey: MIGRATED_FROM_TAG, experiments: toMove, models: modelsToMove, knownLocations: plan.knownLocations }));
      const applied = await runPython<{ experiments: { sourceId: string; targetId: string; workspace: string }[]; rows: Record<string, number> }>(o.python, ["apply", "--scratch", scratch, "--target", config().MLFLOW_DATABASE_URL!, "--plan", planFile]);
      report.result.experiments = applied.experiments.map(({ sourceId, targetId, workspace }) => ({ sourceId, targetId, workspace }));
      report.result.rows = applied.rows;
      for (const a of applied.experiments) {
        for (const p of plan.projects) for (const e of p.experiments) if (e.sourceId === a.sourceId) e.targetId = a.targetId;
      }
    }

    const items: CopyItem[] = plan.projects.flatMap((p) => p.experiments.flatMap((e) => (files.get(e.sourceId) ?? []).map((f) => ({ source: f, target: targetKey(p.workspace, e.targetId!, e, f) }))));
    log(`copying ${toCopy} artifact files into bucket ${bucket}…`);
    let done = 0;
    const copied = await copyAll(o.artifacts, client, bucket, items, () => {
      if (++done % 100 === 0) log(`  ${done} files copied`);
    });
    Object.assign(report.result, { copiedFiles: copied.copied, copiedBytes: copied.copiedBytes, skippedFiles: copied.skipped });
    return report;
  } finally {
    fs.rmSync(scratchDir, { recursive: true, force: true });
  }
}
