import { describe, expect, it } from "vitest";
import type { AuditRecord } from "@/lib/gateway/audit";
import { decide, type ProjectAccess } from "@/lib/gateway/decide";
import { GatewayError } from "@/lib/gateway/errors";
import { ACCESS_LEVEL } from "@/lib/gateway/permissions";
import { hashToken, isWellFormedProjectToken } from "./format";
import { tokenService, type TokenCaller } from "./manage";
import type { NewProjectToken, ProjectTokenStore, ProjectTokenSummary } from "./store";

const NOW = new Date("2026-06-01T12:00:00Z");

/** The store's contract kept in memory: rows as the database keeps them, hash included. */
function memoryStore() {
  const rows: (ProjectTokenSummary & { secretHash: string; ownerGitlabId: number })[] = [];
  let n = 0;
  const store: ProjectTokenStore = {
    create: async (t: NewProjectToken) => {
      n += 1;
      const row = { id: `0190a000-0000-7000-8000-${String(n).padStart(12, "0")}`, secretHash: t.hash, name: t.name, access: t.access, projectId: t.projectId, userId: t.userId, ownerGitlabId: t.ownerGitlabId, ownerUsername: t.ownerUsername, createdAt: NOW, expiresAt: t.expiresAt, lastUsedAt: null };
      rows.push(row);
      const { secretHash: _h, ownerGitlabId: _g, ...summary } = row;
      return summary;
    },
    list: async (projectId, userId) => rows.filter((r) => r.projectId === projectId && (!userId || r.userId === userId)),
    get: async (projectId, id) => rows.find((r) => r.projectId === projectId && r.id === id) ?? null,
    remove: async (id) => {
      const i = rows.findIndex((r) => r.id === id);
      if (i >= 0) rows.splice(i, 1);
      return i >= 0;
    },
  };
  return { store, rows };
}

function caller(userId: string, username: string, gitlabId: number, accessLevel: number, projectId = 101): TokenCaller {
  const access: ProjectAccess = { project: { id: projectId, path: "ml-team/flood-detection", visibility: "private", topics: [] }, accessLevel, source: "group", anonymous: false };
  const can = (a: "read" | "write" | "delete" | "invoke" | "deploy") => decide(a, access, "developer").allow;
  return { userId, project: { id: projectId, path: "ml-team/flood-detection", accessLevel, can: { read: can("read"), write: can("write"), delete: can("delete"), invoke: can("invoke"), deploy: can("deploy") } }, gitlabUser: async () => ({ id: gitlabId, username }) };
}

const bob = caller("u-bob", "bob", 3, ACCESS_LEVEL.developer);
const carol = caller("u-carol", "carol", 4, ACCESS_LEVEL.reporter);
const maya = caller("u-maya", "maya", 8, ACCESS_LEVEL.maintainer);

function service(extra: { enabled?: boolean; maxDays?: number } = {}) {
  const { store, rows } = memoryStore();
  const audit: AuditRecord[] = [];
  const forgotten: string[] = [];
  const s = tokenService({ store, enabled: extra.enabled ?? true, maxDays: extra.maxDays ?? 365, forget: (h) => void forgotten.push(h), audit: async (r) => void audit.push(r), now: () => NOW });
  return { s, rows, audit, forgotten };
}

const refusal = async (p: Promise<unknown>) => {
  const e = await p.then(() => undefined, (err: unknown) => err);
  return e instanceof GatewayError ? `${e.status} ${e.code}: ${e.message}` : e;
};

describe("creating a project token", () => {
  it("returns the token once and keeps only its hash, owned by the caller's GitLab identity", async () => {
    const { s, rows } = service();
    const { token, summary } = await s.create(bob, { name: "nightly", access: "write", days: 90 });
    expect(isWellFormedProjectToken(token)).toBe(true);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ secretHash: hashToken(token), ownerGitlabId: 3, ownerUsername: "bob", userId: "u-bob", projectId: 101, access: "write" });
    expect(JSON.stringify(rows[0])).not.toContain(token);
    expect(summary).toMatchObject({ name: "nightly", access: "write", owner: "bob", mine: true, expiresAt: "2026-08-30T12:00:00.000Z", expired: false });
    expect(JSON.stringify(await s.list(bob))).not.toContain(token);
  });

  it("refuses a write token to a Reporter, whose role cannot write, and records the refusal", async () => {
    const { s, rows, audit } = service();
    expect(await refusal(s.create(carol, { name: "x", access: "write", days: 1 }))).toBe(
      "403 PERMISSION_DENIED: Your role in this project (Reporter) does not let you create write tokens: a token never does more than its owner may.",
    );
    expect(rows).toEqual([]);
    expect(audit).toMatchObject([{ userId: "u-carol", projectId: 101, method: "POST", action: "write", outcome: "denied", status: 403 }]);
    expect(await s.create(carol, { name: "reader", access: "read", days: 1 })).toMatchObject({ summary: { access: "read" } });
  });

  it("refuses any token to a non-member who reads only through the project's visibility", async () => {
    const { s } = service();
    expect(await refusal(s.create(caller("u-oscar", "oscar", 7, 0), { name: "x", access: "read", days: 1 }))).toMatch(/^403 PERMISSION_DENIED: Your role in this project \(no role\)/);
  });

  it("refuses a lifetime over PROJECT_TOKEN_MAX_DAYS and a malformed request 400", async () => {
    const { s } = service({ maxDays: 30 });
    expect(await refusal(s.create(bob, { name: "x", access: "read", days: 31 }))).toBe("400 INVALID_PARAMETER_VALUE: days must be at most 30 (PROJECT_TOKEN_MAX_DAYS)");
    expect(await refusal(s.create(bob, "not an object"))).toMatch(/^400 INVALID_PARAMETER_VALUE/);
  });

  it("makes no token when the hub has no service token to check it with", async () => {
    const { s } = service({ enabled: false });
    expect(await refusal(s.create(bob, { name: "x", access: "read", days: 1 }))).toMatch(/^501 NOT_IMPLEMENTED: .*GITLAB_SERVICE_TOKEN/);
    expect((await s.list(bob)).creatable).toEqual([]);
  });

  it("leaves an audit row naming the new token and its owner", async () => {
    const { s, audit } = service();
    const { summary } = await s.create(bob, { name: "nightly", access: "read", days: 7 });
    expect(audit).toEqual([
      expect.objectContaining({ username: "bob", userId: "u-bob", projectId: 101, route: "/api/projects/:id/tokens", method: "POST", outcome: "allowed", status: 201, token: `project token "nightly" (id ${summary.id})` }),
    ]);
  });
});

describe("listing and revoking project tokens", () => {
  it("shows a Developer only their own tokens, and a Maintainer everyone's", async () => {
    const { s } = service();
    await s.create(bob, { name: "bob's", access: "write", days: 1 });
    await s.create(carol, { name: "carol's", access: "read", days: 1 });
    expect((await s.list(bob)).tokens.map((t) => t.name)).toEqual(["bob's"]);
    const all = await s.list(maya);
    expect(all.managesAll).toBe(true);
    expect(all.tokens.map((t) => [t.name, t.mine])).toEqual([
      ["bob's", false],
      ["carol's", false],
    ]);
  });

  it("lets the owner revoke their token, drops the gateway's cached answers for it, and records it", async () => {
    const { s, rows, forgotten, audit } = service();
    const { token, summary } = await s.create(bob, { name: "nightly", access: "write", days: 1 });
    await s.revoke(bob, summary.id);
    expect(rows).toEqual([]);
    expect(forgotten).toEqual([hashToken(token)]);
    expect(audit.at(-1)).toMatchObject({ method: "DELETE", action: "delete", outcome: "allowed", token: `project token "nightly" (id ${summary.id})`, username: "bob" });
  });

  it("lets a Maintainer revoke another member's token", async () => {
    const { s, rows } = service();
    const { summary } = await s.create(bob, { name: "nightly", access: "write", days: 1 });
    await s.revoke(maya, summary.id);
    expect(rows).toEqual([]);
  });

  it("answers 404 to a Developer revoking someone else's token, as if it did not exist, and keeps it", async () => {
    const { s, rows } = service();
    const { summary } = await s.create(carol, { name: "carol's", access: "read", days: 1 });
    expect(await refusal(s.revoke(bob, summary.id))).toBe("404 RESOURCE_DOES_NOT_EXIST: No such project token in this project.");
    expect(rows).toHaveLength(1);
  });

  it("revokes nothing through another project's page, even for its Maintainer", async () => {
    const { s, rows } = service();
    const { summary } = await s.create(bob, { name: "nightly", access: "write", days: 1 });
    expect(await refusal(s.revoke(caller("u-maya", "maya", 8, ACCESS_LEVEL.maintainer, 102), summary.id))).toMatch(/^404/);
    expect(await refusal(s.revoke(maya, "not-a-uuid"))).toMatch(/^404/);
    expect(rows).toHaveLength(1);
  });

  it("marks expired tokens in the list", async () => {
    const { s, rows } = service();
    await s.create(bob, { name: "old", access: "read", days: 1 });
    rows[0].expiresAt = new Date(NOW.getTime() - 1);
    expect((await s.list(bob)).tokens[0].expired).toBe(true);
  });
});
