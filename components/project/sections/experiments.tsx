"use client";

import { ExperimentList } from "@/components/runs/experiment-list";
import { ExperimentRuns } from "@/components/runs/experiment-runs";

/** /experiments lists the project's experiments; /experiments/<id> is that experiment's runs table. */
export function ExperimentsSection({ rest }: { rest: string[] }) {
  return rest[0] ? <ExperimentRuns experimentId={rest[0]} /> : <ExperimentList />;
}
