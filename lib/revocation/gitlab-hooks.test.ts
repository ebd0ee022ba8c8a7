import { describe, expect, it } from "vitest";
import { revocationsFor } from "./gitlab-hooks";

// Payloads as GitLab documents them (doc/administration/system_hooks.md), trimmed to what matters.
describe("GitLab hook events → what the hub forgets", () => {
  it("a member removed from, added to or changed in a project drops that project, by id and path", () => {
    for (const event_name of ["user_remove_from_team", "user_add_to_team", "user_update_for_team"]) {
      expect(revocationsFor({ event_name, project_id: 74, project_path_with_namespace: "jsmith/storecloud", user_id: 41, access_level: "Maintainer" })).toEqual([
        { kind: "project", id: 74, paths: ["jsmith/storecloud"] },
      ]);
    }
  });

  it("a project deleted or updated drops it; renamed or transferred, its old path too", () => {
    expect(revocationsFor({ event_name: "project_destroy", project_id: 73, path_with_namespace: "jsmith/underscore" })).toEqual([{ kind: "project", id: 73, paths: ["jsmith/underscore"] }]);
    expect(revocationsFor({ event_name: "project_update", project_id: 74, path_with_namespace: "jsmith/storecloud" })).toEqual([{ kind: "project", id: 74, paths: ["jsmith/storecloud"] }]);
    for (const event_name of ["project_rename", "project_transfer"]) {
      expect(revocationsFor({ event_name, project_id: 73, path_with_namespace: "scores/underscore", old_path_with_namespace: "jsmith/underscore" })).toEqual([
        { kind: "project", id: 73, paths: ["scores/underscore", "jsmith/underscore"] },
      ]);
    }
  });

  it("a group deleted drops every project under its full path; renamed, under the old and the new", () => {
    expect(revocationsFor({ event_name: "group_destroy", group_id: 78, path: "vision", full_path: "ml-team/vision" })).toEqual([{ kind: "namespace", path: "ml-team/vision" }]);
    expect(revocationsFor({ event_name: "group_rename", group_id: 64, full_path: "parent/better-name", old_full_path: "parent/old-name" })).toEqual([
      { kind: "namespace", path: "parent/better-name" },
      { kind: "namespace", path: "parent/old-name" },
    ]);
    expect(revocationsFor({ event_name: "subgroup_destroy", group_id: 80, full_path: "group1/subgroup1", parent_full_path: "group1" })).toEqual([{ kind: "namespace", path: "group1/subgroup1" }]);
  });

  it("a group membership change drops everything: group_path is the group's own path, not which projects it reaches", () => {
    for (const event_name of ["user_remove_from_group", "user_add_to_group", "user_update_for_group"]) {
      expect(revocationsFor({ event_name, group_id: 78, group_path: "vision", group_name: "Vision", user_id: 41, group_access: "Developer" })).toEqual([{ kind: "all" }]);
    }
  });

  it("a user deleted drops everything; renamed, their personal namespace under both names", () => {
    expect(revocationsFor({ event_name: "user_destroy", user_id: 41, username: "js" })).toEqual([{ kind: "all" }]);
    expect(revocationsFor({ event_name: "user_rename", user_id: 41, username: "new-js", old_username: "js" })).toEqual([
      { kind: "namespace", path: "new-js" },
      { kind: "namespace", path: "js" },
    ]);
  });

  it("an event that should name a project or group but does not drops everything rather than guess", () => {
    expect(revocationsFor({ event_name: "user_remove_from_team", project_id: "74" })).toEqual([{ kind: "all" }]);
    expect(revocationsFor({ event_name: "group_destroy", group_id: 78 })).toEqual([{ kind: "all" }]);
  });

  it("ignores events that change nobody's access, and anything that is not a hook payload", () => {
    for (const payload of [{ event_name: "repository_update" }, { event_name: "key_create" }, { object_kind: "push" }, { event_name: "user_failed_login" }, [], "x", null, 7]) {
      expect(revocationsFor(payload), JSON.stringify(payload)).toBeUndefined();
    }
  });
  it("drops an ended job's token (job events: object_kind build, no event_name), not a running one's", () => {
    for (const build_status of ["success", "failed", "canceled", "skipped"]) {
      expect(revocationsFor({ object_kind: "build", build_id: 9459251, build_status, project_id: 19654 }), build_status).toEqual([{ kind: "job", id: 9459251 }]);
    }
    expect(revocationsFor({ object_kind: "build", build_id: 9459251, build_status: "running", project_id: 19654 })).toBeUndefined();
    expect(revocationsFor({ object_kind: "build", build_status: "success" })).toBeUndefined();
  });
});
