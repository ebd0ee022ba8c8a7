"use client";

import Link from "next/link";
import { useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { formatDuration } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";
import type { Run } from "@/lib/mlflow-api/types";
import { QueryError } from "./query-error";

function Duration({ run }: { run: Run }) {
  const { start_time: start, end_time: end, status } = run.info;
  if (status === "RUNNING") return <span className="muted">running</span>;
  return start && end ? <>{formatDuration(end - start)}</> : <span className="muted">—</span>;
}

/** The ten newest runs of the project, whatever their experiment. */
export function RecentRuns({ runs, names, error, pending }: { runs: Run[] | undefined; names: Map<string, string> | undefined; error: unknown; pending: boolean }) {
  const { path } = useProject();
  return (
    <section className="card" aria-labelledby="recent-runs">
      <h2 id="recent-runs">Recent runs</h2>
      {error ? (
        <QueryError error={error} what="runs" />
      ) : pending || !runs ? (
        <p className="loading" role="status">
          Loading runs…
        </p>
      ) : runs.length === 0 ? (
        <p className="empty">
          No runs yet. <Link href={projectHref(path, "snippet")}>Log your first run</Link>
        </p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Recent runs">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">Experiment</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.info.run_id} data-run-id={run.info.run_id}>
                  <th scope="row">
                    <Link href={projectHref(path, "runs", run.info.run_id)}>{run.info.run_name || run.info.run_id.slice(0, 8)}</Link>
                  </th>
                  <td>
                    <Link href={projectHref(path, "experiments", run.info.experiment_id)}>{names?.get(run.info.experiment_id) ?? run.info.experiment_id}</Link>
                  </td>
                  <td>
                    <span className={`overview-status status-${run.info.status.toLowerCase()}`}>{run.info.status.toLowerCase()}</span>
                  </td>
                  <td>
                    <RelativeTime ms={run.info.start_time} />
                  </td>
                  <td className="num">
                    <Duration run={run} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
