"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/time";
import { formatDuration, formatNumber } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";
import { parentRunId, sourceFacts, splitTags, tagValue } from "@/lib/dashboard/runs-detail";
import { runDuration } from "@/lib/dashboard/runs-table";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import type { Run } from "@/lib/mlflow-api/types";
import { ArtifactBrowser } from "./artifact-browser";
import { KeyValues } from "./key-values";
import { QueryError } from "./query-error";
import { ChildRuns, RunInputs } from "./run-relations";
import { RunCharts } from "./run-charts";
import { RunStatus } from "./run-status";

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

function RunHeader({ run }: { run: Run }) {
  const project = useProject();
  const mlflow = useMlflow();
  const { info } = run;
  const experiment = useQuery({ queryKey: ["experiment", project.id, info.experiment_id], queryFn: () => mlflow.getExperiment(info.experiment_id) });
  const duration = runDuration(info);
  const parent = parentRunId(run.data.tags);
  const user = info.user_id || tagValue(run.data.tags, "mlflow.user");
  return (
    <section className="card" aria-labelledby="run-title">
      <nav aria-label="Breadcrumb" className="crumbs small">
        <Link href={projectHref(project.path, "experiments")}>Experiments</Link>
        <span aria-hidden="true">/</span>
        <Link href={projectHref(project.path, "experiments", info.experiment_id)}>{experiment.data?.experiment.name ?? `Experiment ${info.experiment_id}`}</Link>
        <span aria-hidden="true">/</span>
      </nav>
      <div className="run-head">
        <h1 id="run-title">{info.run_name || info.run_id}</h1>
        <RunStatus status={info.status} />
      </div>
      <dl className="facts run-facts">
        <dt>Run ID</dt>
        <dd>
          <code>{info.run_id}</code> <CopyButton text={info.run_id} label="Copy run ID" />
        </dd>
        <dt>Started</dt>
        <dd>
          <RelativeTime ms={info.start_time} />
        </dd>
        <dt>Ended</dt>
        <dd>{info.end_time ? <RelativeTime ms={info.end_time} /> : <span className="muted">{info.status === "RUNNING" ? "still running" : "—"}</span>}</dd>
        <dt>Duration</dt>
        <dd>{duration === undefined ? <span className="muted">—</span> : formatDuration(duration)}</dd>
        <dt>User</dt>
        <dd>{user || <span className="muted">—</span>}</dd>
        {parent ? (
          <>
            <dt>Parent run</dt>
            <dd>
              <Link href={projectHref(project.path, "runs", parent)} data-testid="parent-run">
                {parent}
              </Link>
            </dd>
          </>
        ) : null}
        {sourceFacts(run.data.tags).map((f) => (
          <FactRow key={`${f.label}-${f.value}`} label={f.label} value={f.value} href={f.href} />
        ))}
      </dl>
    </section>
  );
}

function FactRow({ label, value, href }: { label: string; value: string; href?: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>
        {href ? (
          <a href={href} rel="noreferrer noopener" target="_blank">
            {value}
          </a>
        ) : (
          <code>{value}</code>
        )}
      </dd>
    </>
  );
}

function RunTags({ run }: { run: Run }) {
  const [showSystem, setShowSystem] = useState(false);
  const { user, system } = splitTags(run.data.tags);
  return (
    <section className="card run-section" aria-labelledby="tags-title">
      <div className="card-head">
        <h2 id="tags-title">Tags</h2>
        {system.length ? (
          <label className="inline">
            <input type="checkbox" checked={showSystem} onChange={(e) => setShowSystem(e.target.checked)} />
            Show MLflow system tags ({system.length})
          </label>
        ) : null}
      </div>
      <KeyValues items={showSystem ? [...user, ...system] : user} label="Tags" empty={system.length ? "No tags besides MLflow's own." : "This run has no tags."} testId="run-tags" />
    </section>
  );
}
