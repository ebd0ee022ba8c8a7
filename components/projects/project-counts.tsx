"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { COUNT_CAP, countLabel, type CappedCount } from "@/lib/dashboard/project-list";
import { mlflowClient } from "@/lib/mlflow-api/client";

/** The project's experiments (their ids feed the runs count), read through the gateway like any MLflow call. */
export function useExperimentCount(projectId: number) {
  const client = useMemo(() => mlflowClient(projectId), [projectId]);
  return useQuery({
    queryKey: ["project-counts", projectId, "experiments"],
    queryFn: async () => {
      const res = await client.searchExperiments({ max_results: COUNT_CAP });
      const ids = (res.experiments ?? []).map((e) => e.experiment_id);
      return { n: ids.length, capped: Boolean(res.next_page_token), ids };
    },
  });
}

function Count({ label, value, testId }: { label: string; value: { data?: CappedCount; isPending: boolean; isError: boolean }; testId: string }) {
  const text = value.isError ? "—" : value.isPending ? "…" : countLabel(value.data!);
  const title = value.isError ? `The ${label.toLowerCase()} could not be read` : undefined;
  return (
    <div className="count" data-testid={testId} aria-busy={value.isPending && !value.isError} title={title}>
      <dt>{label}</dt>
      <dd className="num">{text}</dd>
    </div>
  );
}

/** Experiments, runs and registered models of one project; a count that cannot be read shows a dash, not an error. */
export function ProjectCounts({ projectId }: { projectId: number }) {
  const client = useMemo(() => mlflowClient(projectId), [projectId]);
  const experiments = useExperimentCount(projectId);
  const ids = experiments.data?.ids;
  const runs = useQuery({
    queryKey: ["project-counts", projectId, "runs", ids],
    enabled: ids !== undefined,
    queryFn: async (): Promise<CappedCount> => {
      if (!ids!.length) return { n: 0, capped: false };
      const res = await client.searchRuns({ experiment_ids: ids!, max_results: COUNT_CAP });
      return { n: res.runs?.length ?? 0, capped: Boolean(res.next_page_token) || experiments.data!.capped };
    },
  });
  const models = useQuery({
    queryKey: ["project-counts", projectId, "models"],
    queryFn: async (): Promise<CappedCount> => {
      const res = await client.searchRegisteredModels({ max_results: COUNT_CAP });
      return { n: res.registered_models?.length ?? 0, capped: Boolean(res.next_page_token) };
    },
  });
  return (
    <dl className="counts" aria-label="MLflow contents">
      <Count label="Experiments" value={experiments} testId="count-experiments" />
      <Count label="Runs" value={{ ...runs, isError: runs.isError || experiments.isError }} testId="count-runs" />
      <Count label="Models" value={models} testId="count-models" />
    </dl>
  );
}
