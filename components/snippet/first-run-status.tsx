"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { projectHref } from "@/lib/dashboard/project-url";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import type { Run } from "@/lib/mlflow-api/types";

const POLL_MS = 3000;

/**
 * Polls the snippet's experiment for a run started after the page opened, and
 * stops once one arrives. The run's start time comes from the machine that ran
 * the snippet: usually this one, so the two clocks agree.
 */
function useFirstRun(experimentName: string, since: number) {
  const { id } = useProject();
  const mlflow = useMlflow();
  return useQuery({
    queryKey: ["first-run", id, experimentName, since],
    queryFn: async (): Promise<{ run: Run | null }> => {
      let experimentId: string;
      try {
        experimentId = (await mlflow.getExperimentByName(experimentName)).experiment.experiment_id;
      } catch (e) {
        if (e instanceof MlflowApiError && e.code === "RESOURCE_DOES_NOT_EXIST") return { run: null };
        throw e;
      }
      const res = await mlflow.searchRuns({ experiment_ids: [experimentId], filter: `attributes.start_time >= ${since}`, order_by: ["attributes.start_time DESC"], max_results: 1 });
      return { run: res.runs?.[0] ?? null };
    },
    refetchInterval: (query) => (query.state.data?.run ? false : POLL_MS),
    retry: false,
    staleTime: 0,
  });
}

export function FirstRunStatus({ experimentName }: { experimentName: string }) {
  const { path } = useProject();
  const [since] = useState(() => Date.now());
  const first = useFirstRun(experimentName, since);
  const run = first.data?.run;
  return (
    <section className="card first-run" aria-labelledby="first-run-title">
      <h2 id="first-run-title">Your first run</h2>
      <div role="status" aria-live="polite" data-testid="first-run-status" data-state={run ? "arrived" : "waiting"}>
        {run ? (
          <p>
            <span className="status ok">● Run arrived</span>{" "}
            <Link href={projectHref(path, "runs", run.info.run_id)} data-testid="first-run-link">
              {run.info.run_name || run.info.run_id}
            </Link>{" "}
            <span className="muted">
              in “{experimentName}”, started <RelativeTime ms={run.info.start_time} />
            </span>
          </p>
        ) : (
          <p>
            <span className="waiting-dot" aria-hidden="true" /> Waiting for your first run… <span className="muted">in “{experimentName}”; this page checks every few seconds.</span>
          </p>
        )}
        {first.error ? (
          <p className="error-inline">
            Could not check for runs ({first.error instanceof MlflowApiError ? `${first.error.code}: ${first.error.message}` : first.error.message}); still trying.
          </p>
        ) : null}
      </div>
    </section>
  );
}
