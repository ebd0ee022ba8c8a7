"use client";

import { useQuery } from "@tanstack/react-query";
import { useMlflow, useProject } from "@/components/project/context";
import { COUNT_CAP } from "@/lib/dashboard/project-list";

/** The project's experiments, most recently updated first: the count, the latest few, and the ids runs are searched in. */
export function useOverviewExperiments() {
  const { id } = useProject();
  const mlflow = useMlflow();
  return useQuery({
    queryKey: ["overview", id, "experiments"],
    queryFn: async () => {
      const res = await mlflow.searchExperiments({ max_results: COUNT_CAP, order_by: ["last_update_time DESC"] });
      const experiments = res.experiments ?? [];
      return { experiments, capped: Boolean(res.next_page_token), names: new Map(experiments.map((e) => [e.experiment_id, e.name])) };
    },
  });
}

/** The newest runs across the project's experiments. */
export function useRecentRuns(experimentIds: string[] | undefined, count = 10) {
  const { id } = useProject();
  const mlflow = useMlflow();
  return useQuery({
    queryKey: ["overview", id, "recent-runs", experimentIds],
    enabled: experimentIds !== undefined,
    queryFn: async () => {
      if (!experimentIds!.length) return [];
      const res = await mlflow.searchRuns({ experiment_ids: experimentIds!, order_by: ["attributes.start_time DESC"], max_results: count });
      return res.runs ?? [];
    },
  });
}

export function useRecentModels(count = 5) {
  const { id } = useProject();
  const mlflow = useMlflow();
  return useQuery({
    queryKey: ["overview", id, "models", count],
    queryFn: async () => {
      const res = await mlflow.searchRegisteredModels({ max_results: count, order_by: ["last_updated_timestamp DESC"] });
      return { models: res.registered_models ?? [], more: Boolean(res.next_page_token) };
    },
  });
}
