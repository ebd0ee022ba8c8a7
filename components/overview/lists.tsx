"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import Link from "next/link";
import { useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { countLabel } from "@/lib/dashboard/project-list";
import { projectHref } from "@/lib/dashboard/project-url";
import type { Experiment, RegisteredModel } from "@/lib/mlflow-api/types";
import { QueryError } from "./query-error";

const LATEST = 5;

export function ExperimentsCard({ query }: { query: UseQueryResult<{ experiments: Experiment[]; capped: boolean }> }) {
  const { path } = useProject();
  const list = query.data?.experiments;
  return (
    <section className="card" aria-labelledby="overview-experiments">
      <h2 id="overview-experiments">
        Experiments{" "}
        {list ? (
          <span className="badge" data-testid="experiment-count">
            {countLabel({ n: list.length, capped: query.data!.capped })}
          </span>
        ) : null}
      </h2>
      {query.error ? (
        <QueryError error={query.error} what="experiments" />
      ) : !list ? (
        <p className="loading" role="status">
          Loading experiments…
        </p>
      ) : list.length === 0 ? (
        <p className="empty">No experiments yet.</p>
      ) : (
        <ul className="overview-list">
          {list.slice(0, LATEST).map((e) => (
            <li key={e.experiment_id}>
              <Link href={projectHref(path, "experiments", e.experiment_id)}>{e.name}</Link>
              <span className="muted">
                {" "}
                updated <RelativeTime ms={e.last_update_time} />
              </span>
            </li>
          ))}
        </ul>
      )}
      {list && list.length > LATEST ? <Link href={projectHref(path, "experiments")}>All experiments</Link> : null}
    </section>
  );
}

export function ModelsCard({ query }: { query: UseQueryResult<{ models: RegisteredModel[]; more: boolean }> }) {
  const { path } = useProject();
  const models = query.data?.models;
  return (
    <section className="card" aria-labelledby="overview-models">
      <h2 id="overview-models">Registered models</h2>
      {query.error ? (
        <QueryError error={query.error} what="registered models" />
      ) : !models ? (
        <p className="loading" role="status">
          Loading models…
        </p>
      ) : models.length === 0 ? (
        <p className="empty">No registered models yet.</p>
      ) : (
        <ul className="overview-list">
          {models.map((m) => {
            const latest = m.latest_versions?.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
            return (
              <li key={m.name}>
                <Link href={projectHref(path, "models", m.name)}>{m.name}</Link>
                {latest ? <span className="muted"> · v{latest.version}</span> : null}
                <span className="muted">
                  {" "}
                  updated <RelativeTime ms={m.last_updated_timestamp} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {query.data?.more ? <Link href={projectHref(path, "models")}>All models</Link> : null}
    </section>
  );
}
