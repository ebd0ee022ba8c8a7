import "server-only";
import { config } from "@/lib/config";
import { gitlabProjectsQuery, readPagination, type Pagination, type ProjectListParams } from "@/lib/dashboard/project-list";
import type { ProjectView } from "@/lib/dashboard/project-view";
import { roleName } from "@/lib/gateway/permissions";
import { loadProject } from "./project";
import type { Viewer } from "./viewer";

/** One row of the projects page (serialisable; no token). */
export interface ProjectRow {
  id: number;
  path: string;
  name: string;
  description?: string;
  visibility: ProjectView["visibility"];
  /** GitLab role name, or "no role" when the viewer reaches the project through its visibility. */
  role: string;
  lastActivityAt?: string;
}

export type ProjectListing =
  /** `hidden`: rows of this GitLab page the viewer cannot read through the gateway (GitLab's totals still count them). */
  | { kind: "ok"; rows: ProjectRow[]; hidden: number; pagination: Pagination }
  /** GitLab refused the viewer's token (revoked grant): signing in again fixes it. */
  | { kind: "rejected" }
  | { kind: "unavailable"; what: string };

interface GitLabListedProject {
  id: number;
  name: string;
  path_with_namespace: string;
  description?: string | null;
  visibility: ProjectView["visibility"];
  last_activity_at?: string;
  permissions?: { project_access: { access_level: number } | null; group_access: { access_level: number } | null };
}

async function fetchList(viewer: Viewer, params: ProjectListParams): Promise<{ status: number; body?: GitLabListedProject[]; headers?: Headers }> {
  const c = config();
  const res = await fetch(`${c.GITLAB_URL}/api/v4/projects?${gitlabProjectsQuery(params, c.MANDATORY_TOPICS)}`, {
    headers: { authorization: `Bearer ${viewer.token}`, accept: "application/json" },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) {
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status };
  }
  return { status: 200, body: (await res.json()) as GitLabListedProject[], headers: res.headers };
}

/**
 * The viewer's projects for one page of the list. Each row's role comes from the
 * access resolver the gateway shares (cached per token · project): a list answer
 * only shows the project's own group, so a role inherited from a parent group
 * would look like none; and the resolver's answer is the one every count
 * request of the row is decided with a moment later. A row the gateway would not
 * let the viewer read (an administrator's view of others' private projects, a
 * topic that does not match) is left out: it does not exist here.
 */
export async function listViewerProjects(viewer: Viewer, params: ProjectListParams): Promise<ProjectListing> {
  let list;
  try {
    list = await fetchList(viewer, params);
  } catch (e) {
    return { kind: "unavailable", what: `GitLab is unreachable (${(e as Error).name}): your projects could not be listed.` };
  }
  if (list.status === 401) return { kind: "rejected" };
  if (!list.body || !list.headers) return { kind: "unavailable", what: `GitLab answered ${list.status} when listing your projects.` };

  const rows = await Promise.all(
    list.body.map(async (p): Promise<ProjectRow | undefined> => {
      const found = await loadProject(viewer, p.id).catch(() => ({ kind: "unavailable" }) as const);
      if (found.kind === "not-found") return undefined;
      const listed = Math.max(p.permissions?.project_access?.access_level ?? 0, p.permissions?.group_access?.access_level ?? 0);
      return {
        id: p.id,
        path: p.path_with_namespace,
        name: p.name,
        description: p.description ?? undefined,
        visibility: p.visibility,
        role: found.kind === "found" ? found.project.role : roleName(listed),
        lastActivityAt: p.last_activity_at,
      };
    }),
  );
  const readable = rows.filter((r): r is ProjectRow => r !== undefined);
  return { kind: "ok", rows: readable, hidden: rows.length - readable.length, pagination: readPagination(list.headers, params) };
}
