"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMlflow, useProject } from "@/components/project/context";
import { projectHref } from "@/lib/dashboard/project-url";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import { QueryError } from "./query-error";
import { RunsTable } from "./runs-table";

/** One experiment's page: its name, then its runs. */
export function ExperimentRuns({ experimentId }: { experimentId: string }) {
  const project = useProject();
  const mlflow = useMlflow();
  const experiment = useQuery({ queryKey: ["experiment", project.id, experimentId], queryFn: () => mlflow.getExperiment(experimentId) });

  if (experiment.isError) {
    const missing = experiment.error instanceof MlflowApiError && experiment.error.status === 404;
    return (
      <section className="card">
        {missing ? (
          <p className="notice" role="alert">
            Experiment {experimentId} was not found in this project. <Link href={projectHref(project.path, "experiments")}>All experiments</Link>
          </p>
        ) : (
          <QueryError error={experiment.error} what="the experiment" />
        )}
      </section>
    );
  }
  const name = experiment.data?.experiment.name;
  return (
    <section className="card runs-page" aria-labelledby="runs-title">
      <nav aria-label="Breadcrumb" className="crumbs small">
        <Link href={projectHref(project.path, "experiments")}>Experiments</Link>
        <span aria-hidden="true">/</span>
      </nav>
      <h1 id="runs-title">{name ?? <span className="muted">Loading experiment…</span>}</h1>
      <p className="muted small">Experiment ID {experimentId}</p>
      <RunsTable experimentId={experimentId} />
    </section>
  );
}
