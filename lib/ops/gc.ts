// Garbage collection as the hub sees it: ask for a run, read past runs, and
// count what awaits purge. The purge itself is infra/mlflow/gc_worker.py
// (compose service mlflow-gc), which claims `requested` rows within a few seconds.
import { config, OLDER_THAN } from "@/lib/config";
import { db } from "@/lib/db/client";
import type { GcRun as GcRunRow } from "@/lib/generated/prisma/client";
import { mlflowDb, projectIdOf } from "./mlflow-db";

export type GcStatus = "requested" | "running" | "succeeded" | "failed";
export type GcTrigger = "schedule" | "manual" | "cli";

/** What one run purged in one MLflow workspace: MLflow run ids and experiment ids. */
export interface GcRemoved {
  runs: string[];
  experiments: string[];
}

export interface GcRun {
  id: string;
  status: GcStatus;
  /** `schedule` (MLFLOW_GC_SCHEDULE), `manual` (the admin page) or `cli` (`mlflow-hub gc`). */
  trigger: GcTrigger;
  /** MLflow's --older-than for this run, e.g. "30d". */
  olderThan: string;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  removedRuns: number;
  removedExperiments: number;
  /** Keyed by workspace (`gitlab-<project id>`; `unknown` if gc named an id it had not seen deleted). */
  removed: Record<string, GcRemoved>;
  /** Why a failed run failed (the end of `mlflow gc`'s output); null otherwise. */
  error: string | null;
}

/** Deleted runs and experiments of one workspace that `mlflow gc` has not purged yet. */
export interface PendingPurge {
  workspace: string;
  /** The GitLab project id in `gitlab-<id>`; null for a workspace of another name (MLflow's `default`). */
  projectId: number | null;
  /** Runs in MLflow's `deleted` stage, those inside deleted experiments included. */
  deletedRuns: number;
  deletedExperiments: number;
  /** Of those, deleted longer ago than MLFLOW_GC_OLDER_THAN: the next run purges them. */
  dueRuns: number;
  dueExperiments: number;
  /** When the longest-waiting of them was deleted. */
  oldestDeletedAt: Date | null;
}

function view(row: GcRunRow): GcRun {
  return {
    id: row.id,
    status: row.status,
    trigger: row.trigger,
    olderThan: row.olderThan,
    requestedAt: row.requestedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    removedRuns: row.removedRuns,
    removedExperiments: row.removedExperiments,
    removed: (row.removed ?? {}) as unknown as Record<string, GcRemoved>,
    error: row.error,
  };
}

/**
 * Asks the garbage collector for a run now: inserts a `requested` row, which
 * the worker claims within seconds. Returns that row; poll it with getGcRun().
 * `olderThan` defaults to MLFLOW_GC_OLDER_THAN.
 */
export async function requestGc(trigger: Exclude<GcTrigger, "schedule">, olderThan: string = config().MLFLOW_GC_OLDER_THAN): Promise<GcRun> {
  if (!OLDER_THAN.test(olderThan)) throw new RangeError(`"${olderThan}" is not a duration mlflow gc takes (e.g. 30d, 1d12h, 90s)`);
  return view(await db().gcRun.create({ data: { trigger, olderThan } }));
}

/** One run by id, or null. */
export async function getGcRun(id: string): Promise<GcRun | null> {
  const row = await db().gcRun.findUnique({ where: { id } });
  return row && view(row);
}

/** The latest runs, newest request first (requested and running ones included). */
export async function listGcRuns(limit = 20): Promise<GcRun[]> {
  const rows = await db().gcRun.findMany({ orderBy: { requestedAt: "desc" }, take: limit });
  return rows.map(view);
}

/** Milliseconds in an --older-than duration (MLflow's own reading: days, hours, minutes, seconds). */
export function olderThanMs(olderThan: string): number {
  const m = /^(?:([\d.]+)d)?(?:([\d.]+)h)?(?:([\d.]+)m)?(?:([\d.]+)s)?$/.exec(olderThan);
  if (!m || !OLDER_THAN.test(olderThan)) throw new RangeError(`"${olderThan}" is not a duration mlflow gc takes`);
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0));
  return Math.round((((d * 24 + h) * 60 + min) * 60 + s) * 1000);
}

/**
 * Per workspace, the deleted runs and experiments awaiting purge, read from
 * MLflow's database (read-only), sorted by workspace. Workspaces with nothing
 * deleted are left out. Needs MLFLOW_DATABASE_URL.
 */
export async function pendingPurge(now = Date.now()): Promise<PendingPurge[]> {
  const threshold = now - olderThanMs(config().MLFLOW_GC_OLDER_THAN);
  // The same selection as `mlflow gc`: runs by deleted_time, experiments by last_update_time
  // (set when deleted), and every deleted run of a purged experiment goes with it.
  const { rows } = await mlflowDb().query<{ workspace: string; runs: string; experiments: string; due_runs: string; due_experiments: string; oldest: string | null }>(
    `with deleted_runs as (
       select e.workspace, r.deleted_time as at,
              (r.deleted_time <= $1 or (e.lifecycle_stage = 'deleted' and e.last_update_time < $1)) as due
         from runs r join experiments e on e.experiment_id = r.experiment_id
        where r.lifecycle_stage = 'deleted' or e.lifecycle_stage = 'deleted'),
     deleted_experiments as (
       select workspace, last_update_time as at, last_update_time < $1 as due
         from experiments where lifecycle_stage = 'deleted')
     select workspace, sum(runs) as runs, sum(experiments) as experiments,
            sum(due_runs) as due_runs, sum(due_experiments) as due_experiments, min(at) as oldest
       from (select workspace, 1 as runs, 0 as experiments, due::int as due_runs, 0 as due_experiments, at from deleted_runs
             union all
             select workspace, 0, 1, 0, due::int, at from deleted_experiments) deleted
      group by workspace order by workspace`,
    [threshold],
  );
  return rows.map((r) => ({
    workspace: r.workspace,
    projectId: projectIdOf(r.workspace),
    deletedRuns: Number(r.runs),
    deletedExperiments: Number(r.experiments),
    dueRuns: Number(r.due_runs),
    dueExperiments: Number(r.due_experiments),
    oldestDeletedAt: r.oldest === null ? null : new Date(Number(r.oldest)),
  }));
}
