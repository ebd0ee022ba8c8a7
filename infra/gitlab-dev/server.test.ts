import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitLabDev, type GitLabDev, type GitLabDevOptions } from "./server.ts";

const fixturePath = new URL("./fixtures/demo.yaml", import.meta.url).pathname;
const application = {
  clientId: "mlflow-hub",
  clientSecret: "hub-secret",
  redirectUris: ["http://127.0.0.1:9/api/auth/callback/gitlab"],
};
const redirectUri = application.redirectUris[0];
const password = "mlflow-hub-demo";

function start(options: Partial<GitLabDevOptions> = {}): Promise<GitLabDev> {
  return startGitLabDev({ fixturePath, port: 0, application, ...options });
}

let gitlab: GitLabDev;
beforeAll(async () => {
  gitlab = await start();
});
afterAll(() => gitlab.close());

async function api(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gitlab.url}/api/v4${path}`, { headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
}
const pat = (token: string) => ({ "PRIVATE-TOKEN": token });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("health", () => {
  it("answers like GitLab's health and readiness checks", async () => {
    const health = await fetch(`${gitlab.url}/-/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("GitLab OK");
    expect((await fetch(`${gitlab.url}/-/readiness`)).status).toBe(200);
  });
});

describe("GET /projects/:id", () => {
  it("an outsider gets 404 for a private project, by id and by path", async () => {
    for (const ref of ["101", "ml-team%2Fflood-detection"]) {
      const res = await api(`/projects/${ref}`, pat("glpat-oscar-demo"));
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ message: "404 Project Not Found" });
    }
  });

  it("a reporter of the group sees the project with group_access 20 and no project_access", async () => {
    const res = await api("/projects/ml-team%2Fflood-detection", pat("glpat-carol-demo"));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 101,
      path_with_namespace: "ml-team/flood-detection",
      visibility: "private",
      topics: ["sharinghub:aimodel"],
      namespace: { id: 10, kind: "group", full_path: "ml-team" },
      web_url: `${gitlab.url}/ml-team/flood-detection`,
      permissions: { project_access: null, group_access: { access_level: 20, notification_level: 3 } },
    });
  });

  it("carol's group_access on the nested project is 30, from her direct membership of ml-team/vision", async () => {
    const res = await api("/projects/102", pat("glpat-carol-demo"));
    expect(res.body.permissions).toEqual({
      project_access: null,
      group_access: { access_level: 30, notification_level: 3 },
    });
  });

  it("a direct project member sees project_access beside the inherited group_access", async () => {
    const res = await api("/projects/102", pat("glpat-dave-demo"));
    expect(res.body.permissions.project_access.access_level).toBe(20);
    expect(res.body.permissions.group_access.access_level).toBe(10);
  });

  it("a personal project shows no group_access, even to its owner", async () => {
    const res = await api("/projects/alice%2Fsandbox", pat("glpat-alice-demo"));
    expect(res.body.namespace).toMatchObject({ kind: "user", full_path: "alice" });
    expect(res.body.permissions).toEqual({
      project_access: { access_level: 50, notification_level: 3 },
      group_access: null,
    });
  });

  it("an admin who is no member sees a private project with both permissions null", async () => {
    const res = await api("/projects/101", pat("glpat-root-demo"));
    expect(res.status).toBe(200);
    expect(res.body.permissions).toEqual({ project_access: null, group_access: null });
  });

  it("anonymous callers see a public project without a permissions key, and nothing internal", async () => {
    const open = await api("/projects/103");
    expect(open.status).toBe(200);
    expect(open.body).not.toHaveProperty("permissions");
    expect((await api("/projects/104")).status).toBe(404);
  });

  it("ignores a CI job token: the call is anonymous", async () => {
    const job = { "JOB-TOKEN": "glcbt-demo-running" };
    expect((await api("/projects/101", job)).status).toBe(404);
    const open = await api("/projects/103", job);
    expect(open.status).toBe(200);
    expect(open.body).not.toHaveProperty("permissions");
  });

  it("a job token sent as a Bearer token outside /job is an unknown token", async () => {
    const res = await api("/projects/103", bearer("glcbt-demo-running"));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "401 Unauthorized" });
  });
});

describe("authentication errors", () => {
  it("an unknown token is refused even where anonymous callers are welcome", async () => {
    const res = await api("/projects/103", pat("glpat-does-not-exist"));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "401 Unauthorized" });
  });

  it("an expired token gets GitLab's invalid_token body", async () => {
    const res = await api("/user", pat("glpat-bob-expired"));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: "invalid_token",
      error_description: "Token is expired. You can either do re-authorization or token refresh.",
    });
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm=.*error="invalid_token"/);
  });

  it("a revoked token gets GitLab's invalid_token body", async () => {
    const res = await api("/projects/103", bearer("glpat-bob-revoked"));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: "invalid_token",
      error_description: "Token was revoked. You have to re-authorize from the user.",
    });
  });

  it("a read_user token reads /user but gets 403 insufficient_scope on /projects/:id", async () => {
    expect((await api("/user", pat("glpat-bob-readuser"))).status).toBe(200);
    const res = await api("/projects/101", pat("glpat-bob-readuser"));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "insufficient_scope", scope: "api read_api" });
  });

  it("a read_api token reads projects", async () => {
    expect((await api("/projects/101", pat("glpat-bob-readapi"))).status).toBe(200);
  });

  it("/user needs a signed-in caller", async () => {
    expect((await api("/user")).status).toBe(401);
  });
});

describe("users and tokens", () => {
  it("GET /user shows is_admin to admins only", async () => {
    const root = await api("/user", pat("glpat-root-demo"));
    expect(root.body).toMatchObject({ id: 1, username: "root", is_admin: true });
    const bob = await api("/user", bearer("glpat-bob-demo"));
    expect(bob.body).toMatchObject({ id: 3, username: "bob", email: "bob@example.com", state: "active" });
    expect(bob.body).not.toHaveProperty("is_admin");
  });

  it("GET /personal_access_tokens/self describes the token used", async () => {
    const res = await api("/personal_access_tokens/self", pat("glpat-hub-service"));
    expect(res.body).toMatchObject({ scopes: ["read_api"], user_id: 1, revoked: false, active: true, expires_at: null });
  });
});

describe("GET /projects", () => {
  it("lists with GitLab's pagination headers", async () => {
    const res = await api("/projects?membership=true&topic=sharinghub:aimodel&per_page=2&page=2", pat("glpat-alice-demo"));
    expect(res.status).toBe(200);
    expect(res.body.map((p: { id: number }) => p.id)).toEqual([103, 102]);
    expect(Object.fromEntries(["x-total", "x-total-pages", "x-page", "x-per-page", "x-next-page", "x-prev-page"].map((h) => [h, res.headers.get(h)]))).toEqual({
      "x-total": "5",
      "x-total-pages": "3",
      "x-page": "2",
      "x-per-page": "2",
      "x-next-page": "3",
      "x-prev-page": "1",
    });
    const link = res.headers.get("link")!;
    for (const rel of ["prev", "next", "first", "last"]) expect(link).toContain(`rel="${rel}"`);
    expect(link).toContain(`<${gitlab.url}/api/v4/projects?`);
    expect(link).toMatch(/per_page=2&page=3>; rel="last"/);
  });

  it("shows inherited group memberships as null group_access in lists", async () => {
    const res = await api("/projects?min_access_level=30", pat("glpat-bob-demo"));
    const byId = Object.fromEntries(res.body.map((p: { id: number; permissions: unknown }) => [p.id, p.permissions]));
    expect(byId[101]).toEqual({ project_access: null, group_access: { access_level: 30, notification_level: 3 } });
    expect(byId[102]).toEqual({ project_access: null, group_access: null });
  });

  it("simple=true drops visibility and permissions", async () => {
    const res = await api("/projects?simple=true&search=flood", pat("glpat-bob-demo"));
    expect(res.body).toHaveLength(1);
    expect(res.body[0]).not.toHaveProperty("visibility");
    expect(res.body[0]).not.toHaveProperty("permissions");
  });

  it("rejects an invalid parameter value like GitLab", async () => {
    const res = await api("/projects?order_by=stars", pat("glpat-bob-demo"));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "order_by does not have a valid value" });
  });
});

describe("members", () => {
  it("members/all lists everyone once at their highest level", async () => {
    const res = await api("/projects/102/members/all", pat("glpat-hub-service"));
    expect(res.body.map((m: { username: string; access_level: number }) => [m.username, m.access_level])).toEqual([
      ["alice", 50],
      ["bob", 30],
      ["carol", 30],
      ["dave", 20],
      ["erin", 15],
      ["maya", 40],
    ]);
    expect(res.headers.get("x-total")).toBe("6");
  });

  it("members/all/:user_id answers one member, or 404 for a non-member", async () => {
    const bob = await api("/projects/101/members/all/3", pat("glpat-hub-service"));
    expect(bob.body).toMatchObject({ id: 3, username: "bob", access_level: 30 });
    const oscar = await api("/projects/101/members/all/7", pat("glpat-hub-service"));
    expect(oscar.status).toBe(404);
    expect(oscar.body).toEqual({ message: "404 Not found" });
  });
});

describe("adding and removing project members", () => {
  const call = (method: string, path: string, token: string) => fetch(`${gitlab.url}/api/v4${path}`, { method, headers: pat(token) });

  it("a Maintainer adds an outsider, who then sees the project with that role, and removes them, who then gets 404", async () => {
    const added = await call("POST", "/projects/101/members?user_id=7&access_level=30", "glpat-maya-demo");
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ id: 7, username: "oscar", access_level: 30 });
    expect((await api("/projects/101", pat("glpat-oscar-demo"))).body).toMatchObject({ permissions: { project_access: { access_level: 30 } } });
    expect((await call("POST", "/projects/101/members?user_id=7&access_level=30", "glpat-maya-demo")).status).toBe(409);

    const removed = await call("DELETE", "/projects/101/members/7", "glpat-maya-demo");
    expect(removed.status).toBe(204);
    expect(await removed.text()).toBe("");
    expect((await api("/projects/101", pat("glpat-oscar-demo"))).status).toBe(404);
    expect((await call("DELETE", "/projects/101/members/7", "glpat-maya-demo")).status).toBe(404);
  });

  it("refuses a Developer 403, a read_api token 403, and someone who cannot see the project 404", async () => {
    expect((await call("DELETE", "/projects/102/members/5", "glpat-bob-demo")).status).toBe(403);
    expect((await call("DELETE", "/projects/102/members/5", "glpat-bob-readapi")).status).toBe(403);
    expect((await call("DELETE", "/projects/102/members/5", "glpat-oscar-demo")).status).toBe(404);
    expect((await api("/projects/102/members/all/5", pat("glpat-hub-service"))).body).toMatchObject({ access_level: 20 });
  });

  it("answers another method on a members route 405 naming the allowed ones", async () => {
    const res = await call("PUT", "/projects/101/members/7", "glpat-maya-demo");
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("DELETE");
  });
});

describe("GET /job", () => {
  it("a running job's token reads its job through JOB-TOKEN, Bearer or job_token", async () => {
    for (const [path, headers] of [
      ["/job", { "JOB-TOKEN": "glcbt-demo-running" }],
      ["/job", bearer("glcbt-demo-running")],
      ["/job?job_token=glcbt-demo-running", {}],
    ] as const) {
      const res = await api(path, headers);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: 9001,
        status: "running",
        ref: "main",
        user: { id: 3, username: "bob" },
        pipeline: { id: 501, project_id: 101, ref: "main" },
        web_url: `${gitlab.url}/ml-team/flood-detection/-/jobs/9001`,
      });
      expect(res.body.commit.id).toMatch(/^[0-9a-f]{40}$/);
      expect(res.body).not.toHaveProperty("project_id");
    }
  });

  it("a finished job's token gets 401", async () => {
    const res = await api("/job", { "JOB-TOKEN": "glcbt-demo-finished" });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: "401 Unauthorized" });
  });

  it("a personal access token finds no job", async () => {
    const res = await api("/job", pat("glpat-bob-demo"));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: "404 Job Not Found" });
  });
});

describe("API routing", () => {
  it("an unknown route is GitLab's 404", async () => {
    const res = await api("/projects/101/pipelines", pat("glpat-bob-demo"));
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: "404 Not Found" });
  });

  it("the latency option delays every API answer by at least that much", async () => {
    const slow = await start({ latencyMs: 150 });
    try {
      const started = performance.now();
      const res = await fetch(`${slow.url}/api/v4/projects/103`);
      expect(res.status).toBe(200);
      expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      await slow.close();
    }
  });
});

/** Just enough of a browser: keeps cookies, follows nothing by itself. */
class Browser {
  readonly #cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...init.headers, cookie } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      if (value && !/expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.set(name, value);
      else this.#cookies.delete(name);
    }
    return res;
  }

  /** Follows redirects within the stand-in; returns the first response that is not one of them. */
  async follow(base: string, res: Response): Promise<Response> {
    while (res.status >= 300 && res.status < 400) {
      const location = new URL(res.headers.get("location")!, base);
      if (location.origin !== new URL(base).origin) return res;
      res = await this.request(location.href);
    }
    return res;
  }
}

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Starts an authorization request and returns the sign-in form's action. */
async function openSignIn(base: string, browser: Browser, scope: string, challenge: string) {
  const authorize = new URL(`${base}/oauth/authorize`);
  authorize.search = new URLSearchParams({
    client_id: application.clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope,
    state: "state-123",
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const form = await browser.follow(base, await browser.request(authorize.href));
  expect(form.status).toBe(200);
  const html = await form.text();
  expect(html).toContain("<h1>Sign in</h1>");
  expect(html).toMatch(/<label for="user_login">Username or primary email<\/label>/);
  expect(html).toMatch(/<label for="user_password">Password<\/label>/);
  return new URL(/<form method="post" action="([^"]+)"/.exec(html)![1], base).href;
}

async function submit(browser: Browser, action: string, login: string, secret: string) {
  return browser.request(action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ "user[login]": login, "user[password]": secret }),
  });
}

async function signInForCode(base: string, username: string, scope: string) {
  const browser = new Browser();
  const { verifier, challenge } = pkce();
  const action = await openSignIn(base, browser, scope, challenge);
  const callback = await browser.follow(base, await submit(browser, action, username, password));
  expect(callback.status).toBe(303);
  const location = new URL(callback.headers.get("location")!);
  expect(location.origin + location.pathname).toBe(redirectUri);
  return { location, verifier };
}

async function token(base: string, params: Record<string, string>, auth: "basic" | "post" = "basic") {
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (auth === "basic") {
    headers.authorization = `Basic ${Buffer.from(`${application.clientId}:${application.clientSecret}`).toString("base64")}`;
  } else {
    body.set("client_id", application.clientId);
    body.set("client_secret", application.clientSecret);
  }
  const res = await fetch(`${base}/oauth/token`, { method: "POST", headers, body });
  return { status: res.status, body: await res.json() };
}

function jwtPayload(jwt: string) {
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString());
}

describe("OAuth", () => {
  it("authorization code with PKCE, then the API with the access token, then a refresh that revokes the old tokens", async () => {
    const { location, verifier } = await signInForCode(gitlab.url, "alice", "openid profile email read_user read_api");
    expect(location.searchParams.get("state")).toBe("state-123");
    // GitLab sends no RFC 9207 iss parameter.
    expect(location.searchParams.has("iss")).toBe(false);

    const issued = await token(gitlab.url, {
      grant_type: "authorization_code",
      code: location.searchParams.get("code")!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: "Bearer", expires_in: 7200, scope: "openid profile email read_user read_api" });
    expect(typeof issued.body.refresh_token).toBe("string");
    expect(Math.abs(issued.body.created_at - Date.now() / 1000)).toBeLessThan(60);
    expect(jwtPayload(issued.body.id_token)).toMatchObject({
      iss: gitlab.url,
      aud: application.clientId,
      sub: "2",
      nickname: "alice",
      preferred_username: "alice",
      email: "alice@example.com",
      groups_direct: ["ml-team", "open-science"],
    });

    const me = await api("/user", bearer(issued.body.access_token));
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: 2, username: "alice" });
    expect((await api("/projects/101", bearer(issued.body.access_token))).status).toBe(200);

    const userinfo = await fetch(`${gitlab.url}/oauth/userinfo`, { headers: bearer(issued.body.access_token) });
    expect(await userinfo.json()).toMatchObject({
      sub: "2",
      groups: ["ml-team", "ml-team/vision", "open-science"],
      "https://gitlab.org/claims/groups/owner": ["ml-team", "open-science"],
    });

    const refreshed = await token(gitlab.url, { grant_type: "refresh_token", refresh_token: issued.body.refresh_token }, "post");
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(issued.body.access_token);
    expect(refreshed.body.refresh_token).not.toBe(issued.body.refresh_token);

    const old = await api("/user", bearer(issued.body.access_token));
    expect(old.status).toBe(401);
    expect(old.body.error_description).toBe("Token was revoked. You have to re-authorize from the user.");
    expect((await api("/user", bearer(refreshed.body.access_token))).status).toBe(200);

    const replay = await token(gitlab.url, { grant_type: "refresh_token", refresh_token: issued.body.refresh_token });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
    // A replayed refresh token does not take the live chain down with it.
    expect((await api("/user", bearer(refreshed.body.access_token))).status).toBe(200);
  });

  it("a wrong password shows GitLab's error and grants no code", async () => {
    const browser = new Browser();
    const action = await openSignIn(gitlab.url, browser, "read_user", pkce().challenge);
    const res = await submit(browser, action, "carol", "not-her-password");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Invalid login or password.");
    expect(html).toContain('value="carol"');
    expect(res.headers.get("location")).toBeNull();
  });

  it("the scopes of an OAuth token apply to the API", async () => {
    const { location, verifier } = await signInForCode(gitlab.url, "bob", "read_user");
    const issued = await token(gitlab.url, {
      grant_type: "authorization_code",
      code: location.searchParams.get("code")!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    expect(issued.body).not.toHaveProperty("id_token");
    expect((await api("/user", bearer(issued.body.access_token))).status).toBe(200);
    const project = await api("/projects/101", bearer(issued.body.access_token));
    expect(project.status).toBe(403);
    expect(project.body.error).toBe("insufficient_scope");
    const self = await api("/personal_access_tokens/self", bearer(issued.body.access_token));
    expect(self.status).toBe(400);
  });

  it("token info describes a token, and a revoked token stops working", async () => {
    const { location, verifier } = await signInForCode(gitlab.url, "dave", "api");
    const issued = await token(gitlab.url, {
      grant_type: "authorization_code",
      code: location.searchParams.get("code")!,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    const info = await fetch(`${gitlab.url}/oauth/token/info`, { headers: bearer(issued.body.access_token) });
    expect(await info.json()).toMatchObject({ resource_owner_id: 5, scope: ["api"], application: { uid: application.clientId } });

    const revoke = await fetch(`${gitlab.url}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        token: issued.body.access_token,
        client_id: application.clientId,
        client_secret: application.clientSecret,
      }),
    });
    expect(revoke.status).toBe(200);
    expect(await revoke.json()).toEqual({});
    expect((await api("/user", bearer(issued.body.access_token))).body.error_description).toMatch(/revoked/);
  });

  it("an expired OAuth access token gets the expired body, and its refresh token still works", async () => {
    const shortLived = await start({ accessTokenTtlSeconds: 1 });
    try {
      const { location, verifier } = await signInForCode(shortLived.url, "erin", "read_user");
      const issued = await token(shortLived.url, {
        grant_type: "authorization_code",
        code: location.searchParams.get("code")!,
        redirect_uri: redirectUri,
        code_verifier: verifier,
      });
      expect(issued.body.expires_in).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const res = await fetch(`${shortLived.url}/api/v4/user`, { headers: bearer(issued.body.access_token) });
      expect(res.status).toBe(401);
      expect((await res.json()).error_description).toBe("Token is expired. You can either do re-authorization or token refresh.");
      const refreshed = await token(shortLived.url, { grant_type: "refresh_token", refresh_token: issued.body.refresh_token });
      expect(refreshed.status).toBe(200);
    } finally {
      await shortLived.close();
    }
  });
});
