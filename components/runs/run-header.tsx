"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMlflow, useProject } from "@/components/project/context";
import { CopyButton } from "@/components/ui/copy-button";
import { RelativeTime } from "@/components/ui/time";
import { formatDuration } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";
import { parentRunId, sourceFacts, tagValue } from "@/lib/dashboard/runs-detail";
import { runDuration } from "@/lib/dashboard/runs-table";
import type { Run } from "@/lib/mlflow-api/types";
import { RunStatus } from "./run-status";

/** A run's name, status and facts: times, user, experiment, parent, where it came from. */
export function RunHeader({ run }: { run: Run }) {
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

