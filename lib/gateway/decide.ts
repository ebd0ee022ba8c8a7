import { GatewayError, unauthenticated } from "./errors";
import { permissionTable, roleName, type DeleteFloor, type ProjectAction } from "./permissions";
import type { RouteAction } from "./routes";

export type Visibility = "private" | "internal" | "public";

/** What GitLab said about the caller and the project. */
export interface ProjectAccess {
  project: { id: number; path: string; visibility: Visibility; topics: readonly string[] };
  /** max(project_access, group_access); 0 when the caller is no member. */
  accessLevel: number;
  /** Where the level comes from, for the permissions page and audit. */
  source: "project" | "group" | "visibility" | "ci-job";
  anonymous: boolean;
  /** Set when the credential, not the role, keeps the caller to reading: why, and what to use instead. */
  readOnly?: string;
  /** The token the caller came with, as audit rows name it (never its secret). */
  credential?: string;
}

export type Decision = { allow: true } | { allow: false; error: GatewayError };

const ALLOW: Decision = { allow: true };

/**
 * Role × action → allow or deny. Pure: everything it needs is in its arguments,
 * so the gateway, the dashboard and the tests share it.
 */
export function decide(action: RouteAction | "invoke" | "deploy", access: ProjectAccess | undefined, deleteFloor: DeleteFloor): Decision {
  if (action === "public") return ALLOW;
  if (action === "refused") {
    return { allow: false, error: new GatewayError("PERMISSION_DENIED", "This MLflow feature is server-wide and not available through a project's tracking URI.") };
  }
  if (!access) return { allow: false, error: new GatewayError("INTERNAL_ERROR", "No project access was resolved for this request.") };
  const permission = permissionTable(deleteFloor).find((p) => p.action === (action as ProjectAction))!;
  if (access.accessLevel >= permission.minAccessLevel) {
    // The role would allow it: only the token's own limit can still refuse.
    return permission.action !== "read" && permission.action !== "invoke" && access.readOnly ? { allow: false, error: new GatewayError("PERMISSION_DENIED", access.readOnly) } : ALLOW;
  }
  if (permission.byVisibility && (access.project.visibility === "public" || (access.project.visibility === "internal" && !access.anonymous))) return ALLOW;
  if (access.anonymous) return { allow: false, error: unauthenticated(`Sign in to ${action} in this project: send a GitLab token (MLFLOW_TRACKING_TOKEN).`) };
  const role = roleName(access.accessLevel);
  const needed = roleName(permission.minAccessLevel);
  return {
    allow: false,
    error: new GatewayError("PERMISSION_DENIED", `Your role in this project (${role}) does not allow this: ${permission.title.toLowerCase()} needs ${needed} or higher.`),
  };
}
