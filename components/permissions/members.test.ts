import { afterEach, describe, expect, it, vi } from "vitest";

// server/dashboard/members.ts runs on the server only; its unit test lives here, where the unit suite looks.
vi.mock("server-only", () => ({}));
vi.mock("@/lib/config", () => ({ config: () => ({ GITLAB_URL: "http://gitlab.test" }) }));

const { projectMembers } = await import("@/server/dashboard/members");

const member = (id: number, username: string, access_level: number, membership_state = "active") => ({ id, username, name: username[0].toUpperCase() + username.slice(1), access_level, membership_state, web_url: `http://gitlab.test/${username}` });

function gitlab(pages: Record<string, { body: unknown[]; next: string }>, status = 200) {
  const calls: { url: string; auth: string | null }[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, auth: new Headers(init.headers).get("authorization") });
    const page = new URL(url).searchParams.get("page")!;
    if (status !== 200) return new Response("{}", { status });
    return new Response(JSON.stringify(pages[page].body), { status: 200, headers: { "x-next-page": pages[page].next } });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe("project members", () => {
  it("reads every page GitLab's x-next-page names, with the viewer's token, highest role first", async () => {
    const calls = gitlab({ "1": { body: [member(3, "bob", 30), member(5, "dave", 10)], next: "2" }, "2": { body: [member(2, "alice", 50), member(4, "carol", 20)], next: "" } });
    const { members, truncated } = await projectMembers("viewer-token", 101);
    expect(calls.map((c) => c.url)).toEqual(["http://gitlab.test/api/v4/projects/101/members/all?per_page=100&page=1", "http://gitlab.test/api/v4/projects/101/members/all?per_page=100&page=2"]);
    expect(calls.every((c) => c.auth === "Bearer viewer-token")).toBe(true);
    expect(members.map((m) => [m.username, m.role])).toEqual([["alice", "Owner"], ["bob", "Developer"], ["carol", "Reporter"], ["dave", "Guest"]]);
    expect(truncated).toBe(false);
  });

  it("leaves out memberships awaiting approval", async () => {
    gitlab({ "1": { body: [member(3, "bob", 30), member(9, "zed", 40, "awaiting")], next: "" } });
    expect((await projectMembers("t", 1)).members.map((m) => m.username)).toEqual(["bob"]);
  });

  it("stops after 20 pages and says the list is cut short", async () => {
    const pages = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [String(i + 1), { body: [member(i + 1, `u${i + 1}`, 30)], next: String(i + 2) }]));
    const calls = gitlab(pages);
    const { members, truncated } = await projectMembers("t", 1);
    expect(calls).toHaveLength(20);
    expect(members).toHaveLength(20);
    expect(truncated).toBe(true);
  });

  it("turns GitLab's refusal into an error naming its status, without the token", async () => {
    gitlab({}, 403);
    await expect(projectMembers("secret-token", 1)).rejects.toThrow(/403/);
    await expect(projectMembers("secret-token", 1)).rejects.not.toThrow(/secret-token/);
  });
});
