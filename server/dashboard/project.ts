import "server-only";
import { cache } from "react";
import { config } from "@/lib/config";
import type { ProjectView } from "@/lib/dashboard/project-view";
import { decide, type ProjectAccess } from "@/lib/gateway/decide";
import { GatewayError } from "@/lib/gateway/errors";
import { roleName, type ProjectAction } from "@/lib/gateway/permissions";
import { workspaceOf } from "@/lib/gateway/project-path";
import { sharedAccessResolver } from "@/server/access";
import type { Viewer } from "./viewer";

/** `rejected`: GitLab refused the viewer's token, so they must sign in again. */
export type ProjectLookup = { kind: "found"; project: ProjectView } | { kind: "not-found" } | { kind: "rejected" } | { kind: "unavailable"; what: string };

/** What the dashboard shows of a project, from the same access answer and decide() the gateway uses. */
export function projectView(access: ProjectAccess, deleteFloor = config().DELETE_MIN_ACCESS_LEVEL): ProjectView {
  const c = config();
  const { project } = access;
  const can = (action: ProjectAction) => decide(action, access, deleteFloor).allow;
  return {
    id: project.id,
    path: project.path,
    name: project.path.split("/").pop()!,
    visibility: project.visibility,
    topics: [...project.topics],
    accessLevel: access.accessLevel,
    role: access.accessLevel > 0 ? roleName(access.accessLevel) : "no role",
    source: access.source,
    can: { read: can("read"), write: can("write"), delete: can("delete"), invoke: can("invoke"), deploy: can("deploy") },
    workspace: workspaceOf(project.id),
    trackingUri: `${c.AUTH_URL.replace(/\/$/, "")}/mlflow/${project.path}/tracking/`,
    mlflowUiHref: `/mlflow/${project.path}/tracking/`,
    gitlabUrl: `${c.GITLAB_URL.replace(/\/$/, "")}/${project.path}`,
    deleteFloor,
  };
}

/**
 * The viewer's access to a project by path or id, through the resolver the gateway
 * shares (one cache, one GitLab call per token · project · TTL). No access and no
 * such project look the same.
 */
export const loadProject = cache(async (viewer: Viewer, ref: string | number): Promise<ProjectLookup> => {
  try {
    const result = await sharedAccessResolver().resolve(
      { kind: "hub-session", token: viewer.token },
      typeof ref === "number" ? { kind: "id", id: ref } : { kind: "path", path: ref },
    );
    if (result.kind === "denied") {
      if (result.error.status >= 500) return { kind: "unavailable", what: result.error.message };
      if (result.error.status === 401) return { kind: "rejected" };
      return { kind: "not-found" };
    }
    const view = projectView(result.access);
    return view.can.read ? { kind: "found", project: view } : { kind: "not-found" };
  } catch (e) {
    if (e instanceof GatewayError && e.status >= 500) return { kind: "unavailable", what: e.message };
    throw e;
  }
});
