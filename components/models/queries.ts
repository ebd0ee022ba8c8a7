"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMlflow, useProject } from "@/components/project/context";
import { modelNameFilter, modelVersionsFilter } from "@/lib/dashboard/models-view";
import type { MlflowClient } from "@/lib/mlflow-api/client";

/** Every registry query of a project sits under one key, so a change anywhere refreshes all of them. */
const registryKey = (projectId: number) => ["registry", projectId] as const;

export function useModelList(term: string) {
  const mlflow = useMlflow();
  const { id } = useProject();
  const filter = modelNameFilter(term);
  return useInfiniteQuery({
    queryKey: [...registryKey(id), "list", filter ?? ""],
    queryFn: ({ pageParam }) => mlflow.searchRegisteredModels({ filter, page_token: pageParam, max_results: 50, order_by: ["name ASC"] }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
}

export function useModel(name: string) {
  const mlflow = useMlflow();
  const { id } = useProject();
  return useQuery({ queryKey: [...registryKey(id), "model", name], queryFn: () => mlflow.getRegisteredModel(name).then((r) => r.registered_model) });
}

export function useModelVersions(name: string) {
  const mlflow = useMlflow();
  const { id } = useProject();
  const filter = modelVersionsFilter(name);
  return useInfiniteQuery({
    queryKey: [...registryKey(id), "versions", name],
    queryFn: ({ pageParam }) => mlflow.searchModelVersions({ filter, page_token: pageParam, max_results: 100, order_by: ["version_number DESC"] }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_page_token || undefined,
    enabled: filter !== undefined,
  });
}

/** A registry change through the gateway; on success every registry view of the project is refetched. */
export function useRegistryMutation<V>(run: (mlflow: MlflowClient, vars: V) => Promise<unknown>) {
  const mlflow = useMlflow();
  const { id } = useProject();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (vars: V) => run(mlflow, vars),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: registryKey(id) }),
  });
}
