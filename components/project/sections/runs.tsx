"use client";

import Link from "next/link";
import { useProject } from "@/components/project/context";
import { RunDetail } from "@/components/runs/run-detail";
import { projectHref } from "@/lib/dashboard/project-url";

/** /runs/<run id> is one run; runs are listed per experiment. */
export function RunsSection({ rest }: { rest: string[] }) {
  const project = useProject();
  if (rest[0]) return <RunDetail key={rest[0]} runId={rest[0]} />;
  return (
    <section className="card">
      <p className="empty">
        Runs are listed per experiment: <Link href={projectHref(project.path, "experiments")}>choose an experiment</Link>.
      </p>
    </section>
  );
}
