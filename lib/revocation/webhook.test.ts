import { describe, expect, it } from "vitest";
import type { Revocation } from "./events";
import { handleGitLabWebhook, WEBHOOK_BODY_LIMIT } from "./webhook";

const SECRET = "s".repeat(40);
const removal = { event_name: "user_remove_from_team", project_id: 101, project_path_with_namespace: "ml-team/flood-detection", user_id: 7 };

function hook(o: { secret?: string; token?: string | null; body?: BodyInit; sent?: boolean; headers?: Record<string, string> } = {}) {
  const published: Revocation[] = [];
  const logged: string[] = [];
  const headers: Record<string, string> = { "content-type": "application/json", "x-gitlab-event": "System Hook", ...o.headers };
  if (o.token !== null) headers["x-gitlab-token"] = o.token ?? SECRET;
  const request = new Request("http://hub/api/gitlab/webhook", { method: "POST", headers, body: o.body ?? JSON.stringify(removal), duplex: "half" } as RequestInit);
  const response = handleGitLabWebhook(request, {
    secret: "secret" in o ? o.secret : SECRET,
    publish: async (r) => {
      published.push(r);
      return o.sent ?? true;
    },
    log: { info: (_o, m) => void logged.push(m), debug: (_o, m) => void logged.push(m) },
  });
  return { response, published, logged };
}

describe("POST /api/gitlab/webhook", () => {
  it("drops the project a member was removed from, on GitLab's word with the right secret", async () => {
    const { response, published } = hook();
    expect((await response).status).toBe(200);
    expect(published).toEqual([{ kind: "project", id: 101, paths: ["ml-team/flood-detection"] }]);
  });

  it("refuses a wrong, missing or longer-by-one secret 401 and drops nothing", async () => {
    for (const token of ["wrong", "", `${SECRET}s`, SECRET.slice(1), null]) {
      const { response, published } = hook({ token });
      const res = await response;
      expect(res.status, String(token)).toBe(401);
      expect(await res.json()).toMatchObject({ error_code: "UNAUTHENTICATED" });
      expect(published).toEqual([]);
    }
  });

  it("does not exist (404, naming the setting) when the hub has no GITLAB_WEBHOOK_SECRET, whatever token is sent", async () => {
    for (const token of [SECRET, "", null]) {
      const { response, published } = hook({ secret: undefined, token });
      const res = await response;
      expect(res.status).toBe(404);
      expect((await res.json()).message).toContain("GITLAB_WEBHOOK_SECRET");
      expect(published).toEqual([]);
    }
  });

  it("answers 200 to an event it does not act on, so GitLab keeps the hook enabled, and logs it at debug", async () => {
    const { response, published, logged } = hook({ body: JSON.stringify({ object_kind: "push", ref: "refs/heads/main" }) });
    expect((await response).status).toBe(200);
    expect(published).toEqual([]);
    expect(logged).toEqual(["ignored a GitLab hook event"]);
  });

  it("refuses a body over the limit 413, declared or streamed, and one that is not JSON 400", async () => {
    const big = JSON.stringify({ ...removal, pad: "x".repeat(WEBHOOK_BODY_LIMIT) });
    expect((await hook({ body: big }).response).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const streamed = hook({ body: stream });
    expect((await streamed.response).status).toBe(413);
    expect(streamed.published).toEqual([]);
    expect((await hook({ body: "{not json" }).response).status).toBe(400);
  });

  it("answers 503 when the other hub processes could not be told, so GitLab records the failure", async () => {
    const { response, published } = hook({ sent: false });
    expect((await response).status).toBe(503);
    expect(published).toHaveLength(1);
  });
});
