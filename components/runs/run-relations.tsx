"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMlflow, useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { projectHref } from "@/lib/dashboard/project-url";
import { childRunsFilter, tagValue } from "@/lib/dashboard/runs-detail";
import type { Run } from "@/lib/mlflow-api/types";
import { QueryError } from "./query-error";
import { RunStatus } from "./run-status";

const CHILDREN_SHOWN = 50;

/** Runs started under this one (MLflow's nested runs), found by the parent tag MLflow sets on each child. */
export function ChildRuns({ run }: { run: Run }) {
  const project = useProject();
  const mlflow = useMlflow();
  const { run_id, experiment_id } = run.info;
  const q = useQuery({
    queryKey: ["child-runs", project.id, run_id],
    queryFn: () => mlflow.searchRuns({ experiment_ids: [experiment_id], filter: childRunsFilter(run_id), max_results: CHILDREN_SHOWN, order_by: ["attributes.start_time ASC"] }),
  });
  const children = q.data?.runs ?? [];
  return (
    <section className="card run-section" aria-labelledby="children-title">
      <h2 id="children-title">Child runs</h2>
      {q.isPending ? (
        <p className="loading" role="status">
          Looking for child runs…
        </p>
      ) : q.isError ? (
        <QueryError error={q.error} what="the child runs" />
      ) : children.length === 0 ? (
        <p className="empty">No child runs.</p>
      ) : (
        <>
          <ul data-testid="child-runs">
            {children.map((c) => (
              <li key={c.info.run_id}>
                <Link href={projectHref(project.path, "runs", c.info.run_id)}>{c.info.run_name || c.info.run_id}</Link> <RunStatus status={c.info.status} />{" "}
                <span className="muted small">
                  started <RelativeTime ms={c.info.start_time} />
                </span>
              </li>
            ))}
          </ul>
          {q.data?.next_page_token ? <p className="muted small">Showing the first {CHILDREN_SHOWN}.</p> : null}
        </>
      )}
    </section>
  );
}

/** Datasets the run logged as inputs (mlflow.log_input). */
export function RunInputs({ run }: { run: Run }) {
  const inputs = run.inputs?.dataset_inputs ?? [];
  return (
    <section className="card run-section" aria-labelledby="inputs-title">
      <h2 id="inputs-title">Inputs</h2>
      {inputs.length === 0 ? (
        <p className="empty">No dataset inputs.</p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Dataset inputs" data-testid="run-inputs">
            <thead>
              <tr>
                <th scope="col">Dataset</th>
                <th scope="col">Context</th>
                <th scope="col">Digest</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {inputs.map((d, i) => (
                <tr key={`${d.dataset.name}-${d.dataset.digest}-${i}`}>
                  <td>{d.dataset.name}</td>
                  <td>{tagValue(d.tags, "mlflow.data.context") ?? <span className="muted">—</span>}</td>
                  <td>
                    <code>{d.dataset.digest}</code>
                  </td>
                  <td className="value">
                    {d.dataset.source_type}
                    {d.dataset.source ? <span className="muted small"> {d.dataset.source}</span> : null}
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
