import type { Metadata } from "next";
import { GcRunButton } from "@/components/admin/gc-run-button";
import { GcRunsTable, PendingTable, type PendingRow } from "@/components/admin/gc-tables";
import { RefreshEvery } from "@/components/admin/refresh";
import { RelativeTime } from "@/components/ui/time";
import { config } from "@/lib/config";
import { formatCount } from "@/lib/dashboard/format";
import { listGcRuns, pendingPurge } from "@/lib/ops/gc";
import { requireAdmin } from "@/server/admin/access";
import { gitlabPath } from "@/server/admin/projects";

export const metadata: Metadata = { title: "Garbage collection" };

async function pendingRows(adminToken: string): Promise<{ rows: PendingRow[] } | { error: string }> {
  let pending;
  try {
    pending = await pendingPurge();
  } catch (e) {
    return { error: (e as Error).message };
  }
  const path = (id: number) => gitlabPath(id, adminToken).catch((e: Error) => ({ state: "unknown", why: e.message }) as const);
  return { rows: await Promise.all(pending.map(async (p) => ({ ...p, gitlab: p.projectId === null ? null : await path(p.projectId) }))) };
}

export default async function AdminGcPage() {
  const admin = await requireAdmin();
  const c = config();
  const [runs, pending] = await Promise.all([listGcRuns(20), pendingRows(admin.token)]);
  const active = runs.some((r) => r.status === "requested" || r.status === "running");
  const waiting = runs.find((r) => r.status === "requested");
  const last = runs.find((r) => r.status === "succeeded" || r.status === "failed");
  return (
    <>
      {active ? <RefreshEvery seconds={2} /> : null}
      <div className="admin-head">
        <h1>Garbage collection</h1>
        <GcRunButton active={active} waitingMs={waiting ? Date.now() - waiting.requestedAt.getTime() : undefined} />
      </div>
      <p className="lead">
        Deleted runs and experiments stay restorable until MLflow&apos;s garbage collector purges them with their artifacts: those deleted more than <strong>{c.MLFLOW_GC_OLDER_THAN}</strong> ago, on the schedule <code>{c.MLFLOW_GC_SCHEDULE}</code> (cron, the garbage collector&apos;s time zone) and when you run it now.
      </p>
      <section className="card" aria-labelledby="last-run">
        <h2 id="last-run">Last run</h2>
        {last ? (
          <p data-testid="gc-last-run">
            {last.status === "succeeded" ? "Finished" : "Failed"} <RelativeTime ms={(last.finishedAt ?? last.requestedAt).getTime()} /> ({last.trigger}): removed {formatCount(last.removedRuns)} runs and {formatCount(last.removedExperiments)} experiments.
          </p>
        ) : (
          <p className="empty">Garbage collection has not run yet.</p>
        )}
      </section>
      <section className="card" aria-labelledby="pending">
        <h2 id="pending">Awaiting purge</h2>
        {"error" in pending ? (
          <p className="notice" role="alert">
            MLflow&apos;s database could not be read: {pending.error}
          </p>
        ) : (
          <PendingTable rows={pending.rows} olderThan={c.MLFLOW_GC_OLDER_THAN} />
        )}
      </section>
      <section className="card" aria-labelledby="runs">
        <h2 id="runs">Runs</h2>
        <GcRunsTable runs={runs} />
      </section>
    </>
  );
}
