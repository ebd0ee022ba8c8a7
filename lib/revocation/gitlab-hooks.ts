import type { Revocation } from "./events";

/**
 * What a GitLab system hook, or a group webhook's member, project and subgroup events, or a
 * project or group webhook's job events, make the hub forget. The payloads are GitLab's (doc/administration/system_hooks.md,
 * doc/user/project/integrations/webhook_events.md); group webhooks send member and project
 * events with the same `event_name`s and fields as system hooks.
 *
 * The access cache is keyed by credential and project, not by user, so:
 * - a membership change in a project drops every answer about that project (every caller's: one
 *   GitLab call per caller of that project on their next request);
 * - a membership change in a group names the group's own path only (`group_path`, not its full
 *   path), so which projects it reaches cannot be told: everything is dropped;
 * - a user deleted: everything is dropped (their tokens die with them, but which cache entries
 *   are theirs is not known).
 * Dropping everything costs what the cache costs at every PROJECT_CACHE_TIMEOUT anyway: one
 * GitLab call per active credential and project, once.
 *
 * Undefined: an event the hub does not act on (answered 200 and ignored).
 */
export function revocationsFor(payload: unknown): Revocation[] | undefined {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return undefined;
  const p = payload as Record<string, unknown>;
  const name = typeof p.event_name === "string" ? p.event_name : undefined;
  const text = (k: string) => (typeof p[k] === "string" && p[k] !== "" ? (p[k] as string) : undefined);
  const id = (k: string) => (Number.isSafeInteger(p[k]) && (p[k] as number) > 0 ? (p[k] as number) : undefined);
  const paths = (...keys: string[]) => [...new Set(keys.map(text).filter((v): v is string => v !== undefined))];

  const project = (idKey: string, ...pathKeys: string[]): Revocation[] => {
    const projectId = id(idKey);
    return projectId ? [{ kind: "project", id: projectId, paths: paths(...pathKeys) }] : [{ kind: "all" }];
  };
  const namespaces = (...keys: string[]): Revocation[] => {
    const found = paths(...keys);
    return found.length ? found.map((path) => ({ kind: "namespace", path })) : [{ kind: "all" }];
  };

  // Job events (project and group webhooks; system hooks have none) carry no event_name. A job
  // that is not running has a token GitLab refuses: the answers given to it go at once, not at
  // the end of PROJECT_CACHE_TIMEOUT.
  if (p.object_kind === "build") {
    const jobId = id("build_id");
    return jobId && p.build_status !== "running" ? [{ kind: "job", id: jobId }] : undefined;
  }

  switch (name) {
    case "user_add_to_team":
    case "user_update_for_team":
    case "user_remove_from_team":
      return project("project_id", "project_path_with_namespace");
    case "project_create":
    case "project_update":
    case "project_destroy":
      return project("project_id", "path_with_namespace");
    case "project_rename":
    case "project_transfer":
      return project("project_id", "path_with_namespace", "old_path_with_namespace");
    case "user_add_to_group":
    case "user_update_for_group":
    case "user_remove_from_group":
    case "user_destroy":
      return [{ kind: "all" }];
    case "group_create":
    case "group_destroy":
    case "subgroup_create":
    case "subgroup_destroy":
      return namespaces("full_path");
    case "group_rename":
      return namespaces("full_path", "old_full_path");
    case "user_rename":
      // The user's personal namespace moves with their username.
      return namespaces("username", "old_username");
    default:
      return undefined;
  }
}
