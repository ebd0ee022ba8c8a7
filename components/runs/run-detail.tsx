"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMlflow, useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { formatNumber } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import { ArtifactBrowser } from "./artifact-browser";
import { KeyValues } from "./key-values";
import { QueryError } from "./query-error";
import { RunHeader } from "./run-header";
import { ChildRuns, RunInputs } from "./run-relations";
import { RunTags } from "./run-tags";
import { RunCharts } from "./run-charts";

/** Everything about one run: facts, params, metrics and their charts, tags, inputs, relatives and artifacts. */
export function RunDetail({ runId }: { runId: string }) {
  const project = useProject();
  const mlflow = useMlflow();
  const q = useQuery({ queryKey: ["run", project.id, runId], queryFn: () => mlflow.getRun(runId) });
  if (q.isPending)
    return (
      <p className="loading" role="status">
        Loading run…
      </p>
    );
  if (q.isError) {
    if (q.error instanceof MlflowApiError && q.error.status === 404)
      return (
        <section className="card">
          <p className="notice" role="alert" data-testid="run-not-found">
            Run {runId} was not found in this project: {q.error.message}
          </p>
          <Link href={projectHref(project.path, "experiments")}>All experiments</Link>
        </section>
      );
    return <QueryError error={q.error} what="the run" />;
  }
  const run = q.data.run;
  const metrics = [...(run.data.metrics ?? [])].sort((a, b) => a.key.localeCompare(b.key, "en", { numeric: true }));
  return (
    <>
      <RunHeader run={run} />
      <div className="run-grid">
        <section className="card" aria-labelledby="params-title">
          <h2 id="params-title">Params</h2>
          <KeyValues items={[...(run.data.params ?? [])].sort((a, b) => a.key.localeCompare(b.key))} label="Params" empty="This run logged no params." testId="run-params" />
        </section>
        <section className="card" aria-labelledby="metrics-title">
          <h2 id="metrics-title">Metrics</h2>
          {metrics.length ? (
            <div className="table-scroll">
              <table aria-label="Latest metric values" data-testid="run-metrics">
                <thead>
                  <tr>
                    <th scope="col">Metric</th>
                    <th scope="col">Latest</th>
                    <th scope="col">Step</th>
                    <th scope="col">Logged</th>
                  </tr>
                </thead>
                <tbody>
                  {metrics.map((m) => (
                    <tr key={m.key}>
                      <th scope="row">{m.key}</th>
                      <td className="num" title={String(m.value)}>
                        {formatNumber(m.value)}
                      </td>
                      <td className="num">{m.step}</td>
                      <td className="num">
                        <RelativeTime ms={m.timestamp} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="empty">This run logged no metrics.</p>
          )}
        </section>
      </div>
      <RunCharts runId={run.info.run_id} keys={metrics.map((m) => m.key)} />
      <RunTags run={run} />
      <RunInputs run={run} />
      <ChildRuns run={run} />
      <ArtifactBrowser runId={run.info.run_id} />
    </>
  );
}
