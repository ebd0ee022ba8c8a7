import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FixtureError, acceptedScopes, buildWorld, parseFixture, scopeAllows, type World } from "./world.ts";

const demo = parseFixture(readFileSync(new URL("./fixtures/demo.yaml", import.meta.url), "utf8"));
const now = new Date("2025-06-01T12:00:00Z");

function user(world: World, username: string) {
  const found = world.userByLogin(username);
  if (!found) throw new Error(`no user ${username}`);
  return found;
}

function project(world: World, ref: string) {
  const found = world.project(ref);
  if (!found) throw new Error(`no project ${ref}`);
  return found;
}

function fixtureError(raw: unknown): string {
  try {
    buildWorld(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(FixtureError);
    return (error as Error).message;
  }
  throw new Error("fixture was accepted");
}

const minimalUser = { username: "u", name: "U", email: "u@example.com", password: "p" };

describe("demo fixture", () => {
  it("numbers users from 1 in fixture order", () => {
    expect(demo.users.map((u) => [u.username, u.id])).toEqual([
      ["root", 1],
      ["alice", 2],
      ["bob", 3],
      ["carol", 4],
      ["dave", 5],
      ["erin", 6],
      ["oscar", 7],
      ["maya", 8],
    ]);
  });

  it("signs in by username or primary email, case-insensitively, only with the right password", () => {
    expect(demo.signIn("alice", "mlflow-hub-demo")?.username).toBe("alice");
    expect(demo.signIn("ALICE@example.com", "mlflow-hub-demo")?.username).toBe("alice");
    expect(demo.signIn("alice", "wrong")).toBeUndefined();
    expect(demo.signIn("nobody", "mlflow-hub-demo")).toBeUndefined();
  });
});

describe("project visibility", () => {
  const flood = project(demo, "101");

  it("an outsider cannot see a private project", () => {
    expect(demo.canRead(user(demo, "oscar"), flood)).toBe(false);
  });

  it("anonymous callers see public projects only", () => {
    expect(demo.canRead(null, project(demo, "open-science/public-models"))).toBe(true);
    expect(demo.canRead(null, project(demo, "ml-team/internal-baselines"))).toBe(false);
    expect(demo.canRead(null, flood)).toBe(false);
  });

  it("any signed-in user sees an internal project", () => {
    expect(demo.canRead(user(demo, "oscar"), project(demo, "104"))).toBe(true);
  });

  it("a guest of a parent group sees a private project in a nested group", () => {
    expect(demo.canRead(user(demo, "erin"), project(demo, "ml-team/vision/segmentation"))).toBe(true);
  });

  it("an admin sees every private project without being a member", () => {
    const root = user(demo, "root");
    expect(demo.projects.every((p) => demo.canRead(root, p))).toBe(true);
    expect(demo.projectAccess(root, flood)).toBeNull();
    expect(demo.groupAccess(root, flood)).toBeNull();
  });

  it("looks projects up by id or by full path regardless of case", () => {
    expect(demo.project("ML-Team/Flood-Detection")?.id).toBe(101);
    expect(demo.project("999")).toBeUndefined();
  });
});

describe("permissions", () => {
  const segmentation = project(demo, "ml-team/vision/segmentation");

  it("reporter in a parent group sees group_access 20 on a project of that group", () => {
    const carol = user(demo, "carol");
    const flood = project(demo, "101");
    expect(demo.groupAccess(carol, flood)).toBe(20);
    expect(demo.projectAccess(carol, flood)).toBeNull();
  });

  it("group_access on a nested project is the highest membership over the group and its ancestors", () => {
    expect(demo.groupAccess(user(demo, "carol"), segmentation)).toBe(30);
    expect(demo.groupAccess(user(demo, "bob"), segmentation)).toBe(30);
    expect(demo.groupAccess(user(demo, "alice"), segmentation)).toBe(50);
  });

  it("reporter in a parent group sees group_access 20 on a nested project when that is their only membership", () => {
    const world = buildWorld({
      users: [minimalUser],
      groups: [
        { id: 1, path: "top", members: { u: 20 } },
        { id: 2, path: "top/sub" },
      ],
      projects: [{ id: 1, path: "top/sub/p", visibility: "private" }],
    });
    expect(world.groupAccess(user(world, "u"), project(world, "1"))).toBe(20);
  });

  it("project_access reflects direct project membership only", () => {
    const dave = user(demo, "dave");
    expect(demo.projectAccess(dave, segmentation)).toBe(20);
    expect(demo.groupAccess(dave, segmentation)).toBe(10);
    expect(demo.maxAccess(dave, segmentation)).toBe(20);
  });

  it("a planner holds level 15", () => {
    expect(demo.groupAccess(user(demo, "erin"), project(demo, "101"))).toBe(15);
  });

  it("a personal-namespace project never has group_access, and its owner is an Owner member", () => {
    const alice = user(demo, "alice");
    const sandbox = project(demo, "alice/sandbox");
    expect(demo.groupAccess(alice, sandbox)).toBeNull();
    expect(demo.projectAccess(alice, sandbox)).toBe(50);
    expect(demo.canRead(user(demo, "bob"), sandbox)).toBe(false);
  });

  it("project lists show group_access only for a membership in the project's own group", () => {
    expect(demo.listGroupAccess(user(demo, "bob"), segmentation)).toBeNull();
    expect(demo.listGroupAccess(user(demo, "carol"), segmentation)).toBe(30);
  });

  it("minimal access in a top-level group grants no project access", () => {
    const world = buildWorld({
      users: [minimalUser],
      groups: [{ id: 1, path: "top", members: { u: 5 } }],
      projects: [{ id: 1, path: "top/p", visibility: "private" }],
    });
    const u = user(world, "u");
    const p = project(world, "1");
    expect(world.canRead(u, p)).toBe(false);
    expect(world.maxAccess(u, p)).toBe(0);
    expect(world.membersAll(p)).toEqual([]);
  });
});

describe("members/all", () => {
  it("lists inherited and direct members once each, at their highest level", () => {
    const members = demo.membersAll(project(demo, "ml-team/vision/segmentation"));
    expect(members.map((m) => [m.user.username, m.accessLevel])).toEqual([
      ["alice", 50],
      ["bob", 30],
      ["carol", 30],
      ["dave", 20],
      ["erin", 15],
      ["maya", 40],
    ]);
  });

  it("does not list admins or outsiders", () => {
    const usernames = demo.membersAll(project(demo, "101")).map((m) => m.user.username);
    expect(usernames).not.toContain("root");
    expect(usernames).not.toContain("oscar");
  });
});

describe("project listing", () => {
  it("membership lists only projects the user is a member of, directly or through a group", () => {
    const ids = demo.listProjects(user(demo, "dave"), { membership: true }).map((p) => p.id);
    expect(ids.sort()).toEqual([101, 102, 104, 105]);
  });

  it("min_access_level counts inherited and direct roles", () => {
    const carol = user(demo, "carol");
    expect(demo.listProjects(carol, { minAccessLevel: 30 }).map((p) => p.id)).toEqual([102]);
    const dave = user(demo, "dave");
    expect(demo.listProjects(dave, { minAccessLevel: 20 }).map((p) => p.id)).toEqual([102]);
  });

  it("topic filters require every topic, case-insensitively", () => {
    const ids = demo.listProjects(user(demo, "alice"), { topics: ["SharingHub:AIModel"] }).map((p) => p.id);
    expect(ids).not.toContain(105);
    expect(ids).toContain(106);
    expect(demo.listProjects(user(demo, "alice"), { topics: ["sharinghub:aimodel", "other"] })).toEqual([]);
  });

  it("without membership a signed-in user also sees internal and public projects", () => {
    const ids = demo.listProjects(user(demo, "oscar")).map((p) => p.id);
    expect(ids.sort()).toEqual([103, 104]);
  });

  it("anonymous callers list public projects only and nothing by access level", () => {
    expect(demo.listProjects(null).map((p) => p.id)).toEqual([103]);
    expect(demo.listProjects(null, { minAccessLevel: 10 })).toEqual([]);
  });

  it("orders by created_at descending by default and honours order_by and sort", () => {
    const alice = user(demo, "alice");
    expect(demo.listProjects(alice).map((p) => p.id)).toEqual([106, 105, 104, 103, 102, 101]);
    expect(demo.listProjects(alice, { orderBy: "name", sort: "asc" }).map((p) => p.name)).toEqual([
      "Flood Detection",
      "Internal Baselines",
      "Notes",
      "Public Models",
      "Sandbox",
      "Segmentation",
    ]);
  });

  it("search matches name, path or description, and the namespace only when asked", () => {
    const alice = user(demo, "alice");
    expect(demo.listProjects(alice, { search: "FLOOD" }).map((p) => p.id)).toEqual([101]);
    expect(demo.listProjects(alice, { search: "vision/" })).toEqual([]);
    expect(demo.listProjects(alice, { search: "vision/", searchNamespaces: true }).map((p) => p.id)).toEqual([102]);
  });

  it("filters by visibility", () => {
    expect(demo.listProjects(user(demo, "root"), { visibility: "internal" }).map((p) => p.id)).toEqual([104]);
  });
});

describe("tokens and scopes", () => {
  it("identifies the owner of a personal access token", () => {
    const check = demo.personalAccessToken("glpat-hub-service", now);
    expect(check.status).toBe("valid");
    expect(check.status !== "unknown" && check.token.user.username).toBe("root");
  });

  it("reports unknown, expired and revoked tokens apart", () => {
    expect(demo.personalAccessToken("glpat-nope", now).status).toBe("unknown");
    expect(demo.personalAccessToken("glpat-bob-expired", now).status).toBe("expired");
    expect(demo.personalAccessToken("glpat-bob-revoked", now).status).toBe("revoked");
  });

  it("a token expires at the start of its expires_at day", () => {
    expect(demo.personalAccessToken("glpat-bob-expired", new Date("2023-12-31T23:59:59Z")).status).toBe("valid");
    expect(demo.personalAccessToken("glpat-bob-expired", new Date("2024-01-01T00:00:00Z")).status).toBe("expired");
  });

  it("read_api admits reads of the API but no writes", () => {
    expect(scopeAllows(["read_api"], "api", "GET")).toBe(true);
    expect(scopeAllows(["read_api"], "api", "HEAD")).toBe(true);
    expect(scopeAllows(["read_api"], "api", "POST")).toBe(false);
  });

  it("read_user admits only the caller's own profile", () => {
    expect(scopeAllows(["read_user"], "read_user", "GET")).toBe(true);
    expect(scopeAllows(["read_user"], "api", "GET")).toBe(false);
    expect(scopeAllows(["read_user"], "self", "GET")).toBe(true);
  });

  it("api admits everything, and OIDC-only scopes admit no API route", () => {
    expect(scopeAllows(["api"], "api", "DELETE")).toBe(true);
    expect(scopeAllows(["openid", "profile", "email"], "read_user", "GET")).toBe(false);
  });

  it("names the scopes that would have been accepted", () => {
    expect(acceptedScopes("api", "GET")).toEqual(["api", "read_api"]);
    expect(acceptedScopes("read_user", "GET")).toEqual(["api", "read_api", "read_user"]);
  });

  it("accepts a job token only while its job is running or canceling", () => {
    expect(demo.jobToken("glcbt-demo-running")).toMatchObject({ status: "valid", job: { id: 9001 } });
    expect(demo.jobToken("glcbt-demo-finished").status).toBe("inactive");
    expect(demo.jobToken("glcbt-unknown").status).toBe("unknown");
  });
});

describe("OIDC groups", () => {
  it("lists direct groups, inherited subgroups and groups by direct role", () => {
    const groups = demo.groupsOf(user(demo, "bob"));
    expect(groups.direct.map((g) => g.fullPath)).toEqual(["ml-team"]);
    expect(groups.all.map((g) => g.fullPath)).toEqual(["ml-team", "ml-team/vision"]);
    expect(groups.directAt(30).map((g) => g.fullPath)).toEqual(["ml-team"]);
    expect(demo.groupsOf(user(demo, "oscar")).all).toEqual([]);
  });
});

describe("fixture validation", () => {
  it("names the bad field", () => {
    expect(
      fixtureError({ users: [{ ...minimalUser, tokens: [{ token: "t", scopes: ["write_repository"] }] }] }),
    ).toMatch(/^users\[0\]\.tokens\[0\]\.scopes\[0\]: /);
    expect(fixtureError({ users: [{ ...minimalUser, email: "nope" }] })).toMatch(/^users\[0\]\.email: /);
  });

  it("rejects unknown keys so typos do not pass silently", () => {
    expect(fixtureError({ users: [{ ...minimalUser, admn: true }] })).toMatch(/admn/);
  });

  it("rejects members who are not users and groups whose parent is missing", () => {
    expect(
      fixtureError({ users: [minimalUser], groups: [{ id: 1, path: "a/b", members: { ghost: 10 } }] }),
    ).toMatch(/groups\[0\]\.path: parent group "a".*groups\[0\]\.members\.ghost: unknown user "ghost"/);
  });

  it("rejects projects outside any namespace and jobs of unknown projects", () => {
    expect(fixtureError({ users: [minimalUser], projects: [{ id: 1, path: "x/p", visibility: "public" }] })).toMatch(
      /projects\[0\]\.path: namespace "x"/,
    );
    expect(
      fixtureError({ users: [minimalUser], jobs: [{ token: "j", project_id: 9, username: "u", status: "running" }] }),
    ).toMatch(/jobs\[0\]\.project_id: unknown project 9/);
  });

  it("rejects duplicate ids, usernames and token values", () => {
    const message = fixtureError({
      users: [
        { ...minimalUser, tokens: [{ token: "same", scopes: ["api"] }] },
        { ...minimalUser, id: 1, email: "v@example.com", tokens: [{ token: "same", scopes: ["api"] }] },
      ],
    });
    expect(message).toMatch(/users\[1\]\.id: duplicate user id 1/);
    expect(message).toMatch(/users\[1\]\.username: duplicate username/);
    expect(message).toMatch(/users\[1\]\.tokens\[0\]\.token: duplicate token value/);
  });

  it("reports YAML syntax errors", () => {
    expect(() => parseFixture("users: [")).toThrow(FixtureError);
  });
});
