import { describe, expect, it } from "vitest";
import { decide, type ProjectAccess, type Visibility } from "./decide";
import { ACCESS_LEVEL, permissionTable } from "./permissions";

const access = (accessLevel: number, visibility: Visibility = "private", anonymous = false): ProjectAccess => ({
  project: { id: 101, path: "ml-team/flood-detection", visibility, topics: [] },
  accessLevel,
  source: accessLevel ? "group" : "visibility",
  anonymous,
});

const outcome = (d: ReturnType<typeof decide>) => (d.allow ? "allow" : `${d.error.status} ${d.error.code}`);

describe("decide", () => {
  const roles = Object.entries(ACCESS_LEVEL).filter(([, l]) => l >= ACCESS_LEVEL.guest);

  it.each(roles)("%s may read a private project", (_, level) => {
    expect(outcome(decide("read", access(level), "developer"))).toBe("allow");
  });

  it.each([
    ["guest", "403 PERMISSION_DENIED"],
    ["planner", "403 PERMISSION_DENIED"],
    ["reporter", "403 PERMISSION_DENIED"],
    ["developer", "allow"],
    ["maintainer", "allow"],
    ["owner", "allow"],
  ] as const)("%s writing gets %s", (role, expected) => {
    expect(outcome(decide("write", access(ACCESS_LEVEL[role]), "developer"))).toBe(expected);
  });

  it("lets a developer delete under the default floor but not under a maintainer floor", () => {
    expect(outcome(decide("delete", access(ACCESS_LEVEL.developer), "developer"))).toBe("allow");
    expect(outcome(decide("delete", access(ACCESS_LEVEL.developer), "maintainer"))).toBe("403 PERMISSION_DENIED");
    expect(outcome(decide("delete", access(ACCESS_LEVEL.maintainer), "maintainer"))).toBe("allow");
    expect(outcome(decide("delete", access(ACCESS_LEVEL.maintainer), "owner"))).toBe("403 PERMISSION_DENIED");
  });

  it("names the caller's role and the role needed when it refuses", () => {
    const d = decide("write", access(ACCESS_LEVEL.reporter), "developer");
    expect(d.allow).toBe(false);
    if (!d.allow) expect(d.error.message).toBe("Your role in this project (Reporter) does not allow this: create and update needs Developer or higher.");
  });

  it("gives a non-member read on a public project, and a signed-in non-member read on an internal one", () => {
    expect(outcome(decide("read", access(0, "public", true), "developer"))).toBe("allow");
    expect(outcome(decide("read", access(0, "internal"), "developer"))).toBe("allow");
    expect(outcome(decide("write", access(0, "public"), "developer"))).toBe("403 PERMISSION_DENIED");
  });

  it("asks an anonymous caller to authenticate rather than refusing outright", () => {
    expect(outcome(decide("write", access(0, "public", true), "developer"))).toBe("401 UNAUTHENTICATED");
    expect(outcome(decide("read", access(0, "internal", true), "developer"))).toBe("401 UNAUTHENTICATED");
  });

  it("treats minimal access (5) as no role", () => {
    expect(outcome(decide("read", access(ACCESS_LEVEL.minimal), "developer"))).toBe("403 PERMISSION_DENIED");
  });

  it("allows public routes without any project access and refuses server-wide ones for everyone", () => {
    expect(outcome(decide("public", undefined, "developer"))).toBe("allow");
    expect(outcome(decide("refused", access(ACCESS_LEVEL.owner), "developer"))).toBe("403 PERMISSION_DENIED");
  });

  it("keeps a read-only token to reading whatever its owner's role, and says why with the credential's own message", () => {
    const readOnly = { ...access(ACCESS_LEVEL.owner), readOnly: "This token can only read." };
    expect(outcome(decide("read", readOnly, "developer"))).toBe("allow");
    for (const action of ["write", "delete"] as const) {
      const d = decide(action, readOnly, "developer");
      expect(d.allow ? "allow" : `${d.error.code}: ${d.error.message}`).toBe("PERMISSION_DENIED: This token can only read.");
    }
  });

  it("names the role, not the token, when the role itself refuses a read-only token's write", () => {
    const d = decide("write", { ...access(ACCESS_LEVEL.reporter), readOnly: "This token can only read." }, "developer");
    expect(d.allow ? "allow" : d.error.message).toMatch(/^Your role in this project \(Reporter\)/);
  });

  it("never allows a project action when no access was resolved", () => {
    expect(outcome(decide("read", undefined, "developer"))).toBe("500 INTERNAL_ERROR");
  });

  it("describes every action in the permission table", () => {
    for (const p of permissionTable("developer")) expect(p.description.length).toBeGreaterThan(20);
    expect(permissionTable("maintainer").find((p) => p.action === "delete")?.minAccessLevel).toBe(40);
  });
});
