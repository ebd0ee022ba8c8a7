"use server";

import { currentGitLabUser, GitLabApiError } from "@/lib/gitlab/api";
import { projectMembers, type ProjectMember } from "@/server/dashboard/members";
import { loadProject } from "@/server/dashboard/project";
import { DashboardUnavailable, requireViewer } from "@/server/dashboard/viewer";

export type MembersAnswer =
  | { kind: "ok"; members: ProjectMember[]; truncated: boolean; viewerId?: number }
  | { kind: "not-found" }
  | { kind: "unavailable"; message: string };

/**
 * The project's members as the signed-in viewer's GitLab token sees them. Callable
 * with any id, so it checks access the way the project pages do before asking.
 */
export async function loadProjectMembers(projectId: number): Promise<MembersAnswer> {
  if (!Number.isSafeInteger(projectId) || projectId <= 0) return { kind: "not-found" };
  try {
    const viewer = await requireViewer("/");
    const found = await loadProject(viewer, projectId);
    if (found.kind === "not-found") return { kind: "not-found" };
    if (found.kind === "unavailable") return { kind: "unavailable", message: found.what };
    if (found.kind === "rejected") return { kind: "unavailable", message: "GitLab no longer accepts your session: sign in again." };
    const [list, me] = await Promise.all([projectMembers(viewer.token, projectId), currentGitLabUser(viewer.token).catch(() => undefined)]);
    return { kind: "ok", ...list, viewerId: me?.id };
  } catch (e) {
    if (e instanceof DashboardUnavailable) return { kind: "unavailable", message: e.message };
    if (e instanceof GitLabApiError) {
      return e.status >= 500 ? { kind: "unavailable", message: "GitLab is unreachable: the member list could not be read." } : { kind: "unavailable", message: `GitLab refused the member list (${e.status}).` };
    }
    throw e;
  }
}
