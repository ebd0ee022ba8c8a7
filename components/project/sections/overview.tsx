"use client";

import Link from "next/link";
import { ExperimentsCard, ModelsCard } from "@/components/overview/lists";
import { useOverviewExperiments, useRecentModels, useRecentRuns } from "@/components/overview/queries";
import { RecentRuns } from "@/components/overview/recent-runs";
import { useProject } from "@/components/project/context";
import { CopyButton } from "@/components/ui/copy-button";
import { projectHref } from "@/lib/dashboard/project-url";

function ProjectFacts() {
  const project = useProject();
  return (
    <section className="card overview-head" aria-labelledby="project-title">
      <div className="overview-title">
        <h1 id="project-title">{project.name}</h1>
        <span className="badge" data-testid="visibility">
          {project.visibility}
        </span>
      </div>
      <div className="tracking-uri-row">
        <span className="muted" id="tracking-uri-label">
          Tracking URI
        </span>
        <code aria-labelledby="tracking-uri-label" data-testid="tracking-uri">
          {project.trackingUri}
        </code>
        <CopyButton text={project.trackingUri} label="Copy tracking URI" />
      </div>
      <p className="overview-links">
        {/* The stock MLflow UI is served by the gateway, outside this app: a plain link. */}
        <a href={project.mlflowUiHref}>Open in MLflow UI</a>
        <a href={project.gitlabUrl}>Open in GitLab</a>
        <Link href={projectHref(project.path, "snippet")}>Get started</Link>
      </p>
    </section>
  );
}

function NothingYet() {
  const { path, can, role } = useProject();
  return (
    <section className="card empty-project" data-testid="empty-project">
      <h2>Nothing logged yet</h2>
      <p className="lead">This project has no experiments, runs or registered models in its MLflow.</p>
      {can.write ? (
        <Link href={projectHref(path, "snippet")} className="get-started">
          Get started
        </Link>
      ) : (
        <p>
          {role === "no role" ? "You reach this project through its visibility" : `Your role (${role})`} lets you read this project&apos;s MLflow but not log to
          it; a Developer or higher can{" "}
          <Link href={projectHref(path, "snippet")}>get started</Link>.
        </p>
      )}
    </section>
  );
}

/** The project at a glance: where to log, and what was logged last. */
export function OverviewSection(_: { rest: string[] }) {
  const experiments = useOverviewExperiments();
  const ids = experiments.data?.experiments.map((e) => e.experiment_id);
  const runs = useRecentRuns(experiments.isError ? [] : ids);
  const models = useRecentModels();
  const empty = experiments.data?.experiments.length === 0 && models.data?.models.length === 0;
  return (
    <>
      <ProjectFacts />
      {empty ? (
        <NothingYet />
      ) : (
        <div className="overview-grid">
          <RecentRuns runs={runs.data} names={experiments.data?.names} error={experiments.error ?? runs.error} pending={runs.isPending} />
          <div className="overview-side">
            <ExperimentsCard query={experiments} />
            <ModelsCard query={models} />
          </div>
        </div>
      )}
    </>
  );
}
