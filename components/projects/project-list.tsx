import Link from "next/link";
import { RelativeTime } from "@/components/ui/time";
import { listHref, type Pagination, type ProjectListParams } from "@/lib/dashboard/project-list";
import { projectHref } from "@/lib/dashboard/project-url";
import type { ProjectRow } from "@/server/dashboard/projects";
import { ProjectCounts } from "./project-counts";
import { ProjectFilters } from "./project-filters";
import { ProjectPager } from "./project-pager";

export function RoleBadge({ role }: { role: string }) {
  const viaVisibility = role === "no role";
  return (
    <span className={`badge role-${viaVisibility ? "visibility" : role.toLowerCase()}`} data-testid="role-badge" title={viaVisibility ? "You are no member: the project's visibility lets you read it" : `Your GitLab role: ${role}`}>
      {viaVisibility ? "via visibility" : role}
    </span>
  );
}

function EmptyList({ params }: { params: ProjectListParams }) {
  if (params.page > 1) {
    return (
      <p className="empty">
        Nothing on page {params.page}. <Link href={listHref({ ...params, page: 1 })}>Back to the first page</Link>
      </p>
    );
  }
  if (params.q) {
    return (
      <p className="empty">
        No project matches “{params.q}”. <Link href={listHref({ ...params, q: "", page: 1 })}>Clear the search</Link>
      </p>
    );
  }
  return (
    <p className="empty">
      {params.all ? "No project is visible to you" : "You are not a member of any project"} that has an MLflow on this hub.
      {params.all ? null : (
        <>
          {" "}
          <Link href={listHref({ ...params, all: true, page: 1 })}>Show public and internal projects</Link>
        </>
      )}
    </p>
  );
}

/** The viewer's projects: one row each, with role, visibility and counts read through the gateway. */
export function ProjectList({ rows, hidden, pagination, params }: { rows: ProjectRow[]; hidden: number; pagination: Pagination; params: ProjectListParams }) {
  return (
    <section className="card" aria-labelledby="projects-title">
      <h1 id="projects-title">Projects</h1>
      <ProjectFilters params={params} />
      {rows.length === 0 ? (
        hidden === 0 ? <EmptyList params={params} /> : null
      ) : (
        <ul className="project-list" aria-label="Your projects">
          {rows.map((p) => (
            <li key={p.id} className="project-row" data-project={p.path}>
              <div className="project-main">
                <Link href={projectHref(p.path)} className="project-name">
                  {p.name}
                </Link>
                <div className="project-meta">
                  <span className="muted">{p.path}</span>
                  <RoleBadge role={p.role} />
                  <span className="badge" data-testid="visibility">
                    {p.visibility}
                  </span>
                  {p.lastActivityAt ? (
                    <span className="muted">
                      active <RelativeTime ms={Date.parse(p.lastActivityAt)} />
                    </span>
                  ) : null}
                </div>
                {p.description ? <p className="muted project-desc">{p.description}</p> : null}
              </div>
              <ProjectCounts projectId={p.id} />
            </li>
          ))}
        </ul>
      )}
      {hidden ? (
        <p className="muted" data-testid="hidden-projects">
          {hidden === 1 ? "1 project" : `${hidden} projects`} on this page GitLab lists for you have no MLflow you can read here.
        </p>
      ) : null}
      {/* GitLab's totals count the hidden rows too: show the range only when they add up. */}
      <ProjectPager params={params} pagination={hidden ? { ...pagination, total: undefined } : pagination} shown={rows.length} />
    </section>
  );
}
