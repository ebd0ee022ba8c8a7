import type { Metadata } from "next";
import { ProjectsTable } from "@/components/admin/projects-table";
import { RelativeTime } from "@/components/ui/time";
import { formatBytes, formatCount } from "@/lib/dashboard/format";
import { requireAdmin } from "@/server/admin/access";
import { projectsOverview, type ProjectsOverview } from "@/server/admin/projects";
import { recomputeProjects } from "./actions";

export const metadata: Metadata = { title: "Projects" };

export default async function AdminProjectsPage() {
  const admin = await requireAdmin();
  let overview: ProjectsOverview;
  try {
    overview = await projectsOverview(admin.token);
  } catch (e) {
    return (
      <>
        <h1>Projects</h1>
        <p className="notice" role="alert">
          MLflow&apos;s workspace list could not be read: {(e as Error).message}
        </p>
      </>
    );
  }
  const { projects } = overview;
  const total = projects.reduce((a, p) => ({ runs: a.runs + p.runs, bytes: a.bytes + p.storageBytes }), { runs: 0, bytes: 0 });
  return (
    <>
      <div className="admin-head">
        <h1>Projects</h1>
        <form action={recomputeProjects}>
          <button type="submit" className="small">
            Recompute now
          </button>
        </form>
      </div>
      <p className="lead" data-testid="projects-summary" data-computed-at={overview.computedAt}>
        {formatCount(projects.length)} {projects.length === 1 ? "project has" : "projects have"} an MLflow workspace: {formatCount(total.runs)} runs, {formatBytes(total.bytes)} of artifacts. Computed <RelativeTime key={overview.computedAt} ms={overview.computedAt} /> (kept for a minute).
      </p>
      <section className="card">
        <ProjectsTable projects={projects} />
        {overview.otherWorkspaces.length ? <p className="muted small">Other MLflow workspaces, no GitLab project&apos;s: {overview.otherWorkspaces.join(", ")}.</p> : null}
      </section>
    </>
  );
}
