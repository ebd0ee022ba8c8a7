import Link from "next/link";
import { RelativeTime } from "@/components/ui/time";
import { formatCount, formatDuration } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";
import type { GcRun, PendingPurge } from "@/lib/ops/gc";
import type { ProjectStats } from "@/server/admin/projects";

export type PendingRow = PendingPurge & { gitlab: ProjectStats["gitlab"] | null };

function ProjectName({ workspace, gitlab }: { workspace: string; gitlab: ProjectStats["gitlab"] | null }) {
  if (gitlab?.state === "found") return <Link href={projectHref(gitlab.path)}>{gitlab.path}</Link>;
  return (
    <>
      <code>{workspace}</code>
      {gitlab?.state === "gone" ? <span className="badge gone">gone from GitLab</span> : null}
    </>
  );
}

export function PendingTable({ rows, olderThan }: { rows: PendingRow[]; olderThan: string }) {
  if (!rows.length) return <p className="empty">Nothing awaits purge: no project has deleted runs or experiments.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Awaiting purge">
        <thead>
          <tr>
            <th scope="col">Project</th>
            <th scope="col" className="num">
              Deleted runs
            </th>
            <th scope="col" className="num">
              Deleted experiments
            </th>
            <th scope="col" className="num" title={`Deleted more than ${olderThan} ago: the next run purges them`}>
              Due at next run
            </th>
            <th scope="col">Waiting since</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.workspace} data-workspace={r.workspace}>
              <td>
                <ProjectName workspace={r.workspace} gitlab={r.gitlab} />
              </td>
              <td className="num" data-column="deletedRuns">
                {formatCount(r.deletedRuns)}
              </td>
              <td className="num" data-column="deletedExperiments">
                {formatCount(r.deletedExperiments)}
              </td>
              <td className="num">
                {formatCount(r.dueRuns)} runs, {formatCount(r.dueExperiments)} experiments
              </td>
              <td>
                <RelativeTime ms={r.oldestDeletedAt?.getTime()} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Removed({ run }: { run: GcRun }) {
  const workspaces = Object.entries(run.removed);
  const text = `${formatCount(run.removedRuns)} runs, ${formatCount(run.removedExperiments)} experiments`;
  if (!workspaces.length) return <>{text}</>;
  return (
    <details>
      <summary>{text}</summary>
      <ul className="gc-removed">
        {workspaces.map(([ws, r]) => (
          <li key={ws}>
            <code>{ws}</code>: {formatCount(r.runs.length)} runs, {formatCount(r.experiments.length)} experiments
          </li>
        ))}
      </ul>
    </details>
  );
}

export function GcRunsTable({ runs }: { runs: GcRun[] }) {
  if (!runs.length) return <p className="empty">No garbage collection has run yet.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Garbage collection runs">
        <thead>
          <tr>
            <th scope="col">Requested</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Took</th>
            <th scope="col">Older than</th>
            <th scope="col">Removed</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.id} data-gc-run={r.id} data-status={r.status}>
              <td className="nowrap">
                <RelativeTime ms={r.requestedAt.getTime()} />
              </td>
              <td>{r.trigger}</td>
              <td>
                <span className={`badge status-${r.status}`}>{r.status}</span>
                {r.error ? <div className="error-inline small">{r.error}</div> : null}
              </td>
              <td className="num">{r.startedAt && r.finishedAt ? formatDuration(r.finishedAt.getTime() - r.startedAt.getTime()) : "—"}</td>
              <td>{r.olderThan}</td>
              <td>
                <Removed run={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
