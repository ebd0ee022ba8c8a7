import { describe, expect, it } from "vitest";
import { decide, type ProjectAccess, type Visibility } from "@/lib/gateway/decide";
import { ACCESS_LEVEL } from "@/lib/gateway/permissions";
import { creatableAccess, defaultTokenDays, expiryAfter, managesAllTokens, mayRevoke, newTokenRequest, type TokenViewer } from "./rules";

/** A signed-in viewer as the dashboard sees them: decide()'s verdicts on their session's access. */
function viewer(accessLevel: number, visibility: Visibility = "private", deleteFloor: "developer" | "maintainer" = "developer"): TokenViewer {
  const access: ProjectAccess = { project: { id: 101, path: "ml-team/flood-detection", visibility, topics: [] }, accessLevel, source: accessLevel ? "group" : "visibility", anonymous: false };
  const can = (a: "read" | "write" | "delete" | "invoke" | "deploy") => decide(a, access, deleteFloor).allow;
  return { accessLevel, can: { read: can("read"), write: can("write"), delete: can("delete"), invoke: can("invoke"), deploy: can("deploy") } };
}

describe("who may create which project token", () => {
  it.each([
    ["guest", ["read"]],
    ["planner", ["read"]],
    ["reporter", ["read"]],
    ["developer", ["read", "write"]],
    ["maintainer", ["read", "write"]],
    ["owner", ["read", "write"]],
  ] as const)("a %s may create %j tokens, as decide() lets their role read or write", (role, kinds) => {
    expect(creatableAccess(viewer(ACCESS_LEVEL[role]))).toEqual(kinds);
  });

  it("gives no token to someone who only reads through the project's visibility", () => {
    expect(creatableAccess(viewer(0, "public"))).toEqual([]);
    expect(creatableAccess(viewer(0, "internal"))).toEqual([]);
  });
});

describe("who may see and revoke a project token", () => {
  const own = { userId: "u-bob" };
  const others = { userId: "u-alice" };

  it("lets a Developer revoke their own tokens only", () => {
    const bob = viewer(ACCESS_LEVEL.developer);
    expect(managesAllTokens(bob)).toBe(false);
    expect(mayRevoke(bob, "u-bob", own)).toBe(true);
    expect(mayRevoke(bob, "u-bob", others)).toBe(false);
  });

  it("lets Maintainers and Owners see and revoke everyone's", () => {
    for (const level of [ACCESS_LEVEL.maintainer, ACCESS_LEVEL.owner]) {
      expect(managesAllTokens(viewer(level))).toBe(true);
      expect(mayRevoke(viewer(level), "u-maya", others)).toBe(true);
    }
  });
});

describe("a new token request", () => {
  const parse = (body: unknown, max = 365) => {
    const r = newTokenRequest(max).safeParse(body);
    return r.success ? r.data : r.error.issues.map((i) => i.message).join("; ");
  };

  it("takes a trimmed name, read or write, and whole days up to the maximum", () => {
    expect(parse({ name: "  nightly training ", access: "write", days: 90 })).toEqual({ name: "nightly training", access: "write", days: 90 });
  });

  it.each([
    [{ name: "", access: "read", days: 1 }, "name is required"],
    [{ name: "x".repeat(81), access: "read", days: 1 }, "name must be at most 80 characters"],
    [{ name: "a\nb", access: "read", days: 1 }, "name must not contain control characters"],
    [{ name: "ok", access: "admin", days: 1 }, "access must be read or write"],
    [{ name: "ok", access: "read", days: 0 }, "days must be at least 1"],
    [{ name: "ok", access: "read", days: 1.5 }, "days must be a whole number of days"],
    [{ name: "ok", access: "read", days: 366 }, "days must be at most 365 (PROJECT_TOKEN_MAX_DAYS)"],
  ])("refuses %j: %s", (body, message) => {
    expect(parse(body)).toBe(message);
  });

  it("refuses fields it does not know, such as a project or an owner", () => {
    expect(parse({ name: "ok", access: "read", days: 1, projectId: 102 })).toMatch(/Unrecognized key/);
  });

  it("defaults to 90 days, or the maximum when that is shorter", () => {
    expect(defaultTokenDays(365)).toBe(90);
    expect(defaultTokenDays(30)).toBe(30);
    expect(expiryAfter(90, new Date("2026-01-01T00:00:00Z")).toISOString()).toBe("2026-04-01T00:00:00.000Z");
  });
});
