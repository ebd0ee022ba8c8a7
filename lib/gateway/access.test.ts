import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitLabDev } from "../../infra/gitlab-dev/server";
import { hashToken, mintProjectToken } from "../tokens/format";
import { createAccessResolver, type AccessResolverOptions, type AccessResult, type ProjectTokenGrant, type ResolvableCredential } from "./access";
import { decide } from "./decide";
import { GatewayError } from "./errors";

const fixturePath = path.resolve(import.meta.dirname, "../../infra/gitlab-dev/fixtures/demo.yaml");
const application = { clientId: "mlflow-hub", clientSecret: "hub-secret", redirectUris: ["http://127.0.0.1:9/api/auth/callback/gitlab"] };
let gitlab: Awaited<ReturnType<typeof startGitLabDev>>;
beforeAll(async () => {
  gitlab = await startGitLabDev({ fixturePath, port: 0, application });
});
afterAll(() => gitlab.close());

function resolver(extra: Partial<AccessResolverOptions> = {}) {
  const calls: string[] = [];
  const r = createAccessResolver({ gitlabUrl: gitlab.listenUrl, mandatoryTopics: [], ttlSeconds: 30, onGitLabCall: (e) => calls.push(e), ...extra });
  return { r, calls };
}

const token = (t: string): ResolvableCredential => ({ kind: t.startsWith("glcbt-") ? "job" : "token", token: t }) as ResolvableCredential;
const anonymous: ResolvableCredential = { kind: "anonymous" };
const byPath = (p: string) => ({ kind: "path" as const, path: p });
const byId = (id: number) => ({ kind: "id" as const, id });

const count = (calls: string[], endpoint: string) => calls.filter((c) => c === endpoint).length;

function summary(result: AccessResult) {
  return result.kind === "granted"
    ? { level: result.access.accessLevel, source: result.access.source, id: result.access.project.id, anonymous: result.access.anonymous }
    : { status: result.error.status, code: result.error.code };
}

describe("project access through GitLab", () => {
  it("gives a group owner their group role on a project of the group", async () => {
    expect(summary(await resolver().r.resolve(token("glpat-alice-demo"), byPath("ml-team/flood-detection")))).toEqual({ level: 50, source: "group", id: 101, anonymous: false });
  });

  it("takes the higher of project and group membership", async () => {
    const { r } = resolver();
    expect(summary(await r.resolve(token("glpat-dave-demo"), byPath("ml-team/vision/segmentation")))).toMatchObject({ level: 20, source: "project" });
    expect(summary(await r.resolve(token("glpat-carol-demo"), byPath("ml-team/vision/segmentation")))).toMatchObject({ level: 30, source: "group" });
  });

  it("resolves the numeric id form to the same project", async () => {
    expect(summary(await resolver().r.resolve(token("glpat-bob-demo"), byId(101)))).toMatchObject({ level: 30, id: 101 });
  });

  it("hides a private project from an outsider as not found", async () => {
    expect(summary(await resolver().r.resolve(token("glpat-oscar-demo"), byPath("ml-team/flood-detection")))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("lets a signed-in outsider see an internal project with no role", async () => {
    expect(summary(await resolver().r.resolve(token("glpat-oscar-demo"), byPath("ml-team/internal-baselines")))).toMatchObject({ level: 0, source: "visibility" });
  });

  it("lets an anonymous caller see a public project, and asks them to sign in for anything else", async () => {
    const { r } = resolver();
    expect(summary(await r.resolve(anonymous, byPath("open-science/public-models")))).toMatchObject({ level: 0, anonymous: true });
    expect(summary(await r.resolve(anonymous, byPath("ml-team/flood-detection")))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(summary(await r.resolve(anonymous, byPath("ml-team/does-not-exist")))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  });

  it.each(["glpat-bob-expired", "glpat-bob-revoked", "glpat-nobody-knows-this"])("refuses %s as unauthenticated", async (t) => {
    expect(summary(await resolver().r.resolve(token(t), byPath("ml-team/flood-detection")))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  });

  it("tells a read_user token it needs read_api", async () => {
    const result = await resolver().r.resolve(token("glpat-bob-readuser"), byPath("ml-team/flood-detection"));
    expect(summary(result)).toEqual({ status: 403, code: "PERMISSION_DENIED" });
    if (result.kind === "denied") expect(result.error.message).toContain("read_api");
  });

  it("accepts a read_api token for project access", async () => {
    expect(summary(await resolver().r.resolve(token("glpat-bob-readapi"), byPath("ml-team/flood-detection")))).toMatchObject({ level: 30 });
  });

  it("treats a project without the mandatory topics as not found", async () => {
    const { r } = resolver({ mandatoryTopics: ["sharinghub:aimodel"] });
    expect(summary(await r.resolve(token("glpat-bob-demo"), byPath("ml-team/notes")))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    expect(summary(await r.resolve(token("glpat-bob-demo"), byPath("ml-team/flood-detection")))).toMatchObject({ level: 30 });
    expect(summary(await resolver().r.resolve(token("glpat-bob-demo"), byPath("ml-team/notes")))).toMatchObject({ level: 30 });
  });
});

describe("CI job tokens", () => {
  const withService = { serviceToken: "glpat-hub-service" };

  it("get the role of the job's user in the job's own project, with the job's details", async () => {
    const result = await resolver(withService).r.resolve(token("glcbt-demo-running"), byPath("ml-team/flood-detection"));
    expect(summary(result)).toMatchObject({ level: 30, source: "ci-job", id: 101 });
    expect(result.kind === "granted" && result.job).toMatchObject({ id: 9001, pipelineId: 501, ref: "main", username: "bob" });
    expect(result.kind === "granted" && result.job?.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it("serve no other project, not even one the job's user can write to", async () => {
    expect(summary(await resolver(withService).r.resolve(token("glcbt-demo-running"), byPath("ml-team/internal-baselines")))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("stop working once the job has finished", async () => {
    expect(summary(await resolver(withService).r.resolve(token("glcbt-demo-finished"), byPath("ml-team/flood-detection")))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  });

  it("lose their cached grant at once when told the job ended (a job webhook), and only theirs", async () => {
    const { r, calls } = resolver(withService);
    const job = token("glcbt-demo-running");
    await r.resolve(job, byPath("ml-team/flood-detection"));
    await r.resolve(token("glpat-bob-demo"), byPath("ml-team/flood-detection"));
    r.forgetJob(9002);
    await r.resolve(job, byPath("ml-team/flood-detection"));
    expect(count(calls, "job"), "another job's end leaves this one cached").toBe(1);
    r.forgetJob(9001);
    await r.resolve(job, byPath("ml-team/flood-detection"));
    await r.resolve(token("glpat-bob-demo"), byPath("ml-team/flood-detection"));
    expect(count(calls, "job"), "asked GitLab again about the ended job's token").toBe(2);
    expect(count(calls, "projects/:id"), "the personal token's grant stayed cached").toBe(3);
  });

  it("are refused with a message naming GITLAB_SERVICE_TOKEN when the hub has none", async () => {
    const result = await resolver().r.resolve(token("glcbt-demo-running"), byPath("ml-team/flood-detection"));
    expect(summary(result)).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    if (result.kind === "denied") expect(result.error.message).toContain("GITLAB_SERVICE_TOKEN");
  });
});

describe("the access cache", () => {
  it("calls GitLab once per token and project within the TTL, and reads a token's scopes once, even for concurrent requests", async () => {
    const { r, calls } = resolver();
    await Promise.all(Array.from({ length: 20 }, () => r.resolve(token("glpat-alice-demo"), byPath("ml-team/flood-detection"))));
    await r.resolve(token("glpat-alice-demo"), byPath("ml-team/flood-detection"));
    expect(calls.sort()).toEqual(["personal_access_tokens/self", "projects/:id"]);
    await r.resolve(token("glpat-bob-demo"), byPath("ml-team/flood-detection"));
    await r.resolve(token("glpat-alice-demo"), byPath("ml-team/vision/segmentation"));
    expect(count(calls, "projects/:id")).toBe(3);
    expect(count(calls, "personal_access_tokens/self")).toBe(2);
  });

  it("caches denials too", async () => {
    const { r, calls } = resolver();
    await r.resolve(token("glpat-oscar-demo"), byPath("ml-team/flood-detection"));
    await r.resolve(token("glpat-oscar-demo"), byPath("ml-team/flood-detection"));
    expect(count(calls, "projects/:id")).toBe(1);
  });

  it("asks GitLab again once the TTL has passed", async () => {
    const { r, calls } = resolver({ ttlSeconds: 1 });
    await r.resolve(token("glpat-alice-demo"), byId(101));
    await new Promise((done) => setTimeout(done, 1_100));
    await r.resolve(token("glpat-alice-demo"), byId(101));
    expect(count(calls, "projects/:id")).toBe(2);
    expect(count(calls, "personal_access_tokens/self")).toBe(2);
  });

  it("answers 503 when GitLab is unreachable, and does not cache that", async () => {
    const { r, calls } = resolver({ gitlabUrl: "http://127.0.0.1:9", timeoutMs: 1_000 });
    for (let i = 0; i < 2; i++) {
      const error = await r.resolve(token("glpat-alice-demo"), byId(101)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(503);
      expect((error as GatewayError).code).toBe("TEMPORARILY_UNAVAILABLE");
    }
    expect(count(calls, "projects/:id")).toBe(2);
  });
});

describe("forgetting cached answers when GitLab changes (revocations)", () => {
  const members = (method: string, path: string) => fetch(`${gitlab.url}/api/v4/projects/101/members${path}`, { method, headers: { "private-token": "glpat-maya-demo" } });
  const oscar = token("glpat-oscar-demo");

  it("keeps a removed member's grant until the project is forgotten, by id and by path, then refuses them", async () => {
    const { r } = resolver();
    expect((await members("POST", "?user_id=7&access_level=30")).status).toBe(201);
    try {
      expect(summary(await r.resolve(oscar, byPath("ml-team/flood-detection")))).toMatchObject({ level: 30, id: 101 });
      expect(summary(await r.resolve(oscar, byId(101)))).toMatchObject({ level: 30, id: 101 });
    } finally {
      expect((await members("DELETE", "/7")).status).toBe(204);
    }
    expect(summary(await r.resolve(oscar, byPath("ml-team/flood-detection"))), "cached within the TTL").toMatchObject({ level: 30 });
    r.forgetProject(101, ["ml-team/flood-detection"]);
    expect(summary(await r.resolve(oscar, byPath("ml-team/flood-detection")))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    expect(summary(await r.resolve(oscar, byId(101)))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("finds an answer to forget that was asked again once the TTL had passed", async () => {
    const { r } = resolver({ ttlSeconds: 1 });
    expect((await members("POST", "?user_id=7&access_level=30")).status).toBe(201);
    try {
      await r.resolve(oscar, byId(101));
      await new Promise((done) => setTimeout(done, 1_100));
      expect(summary(await r.resolve(oscar, byId(101))), "asked again").toMatchObject({ level: 30 });
    } finally {
      expect((await members("DELETE", "/7")).status).toBe(204);
    }
    r.forgetProject(101, []);
    expect(summary(await r.resolve(oscar, byId(101)))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("drops a denial cached under a path the project now holds, whatever its case, and keeps other projects' answers", async () => {
    const { r, calls } = resolver();
    await r.resolve(token("glpat-alice-demo"), byPath("ml-team/renamed-later"));
    await r.resolve(token("glpat-alice-demo"), byId(101));
    await r.resolve(token("glpat-alice-demo"), byId(102));
    expect(count(calls, "projects/:id")).toBe(3);
    r.forgetProject(101, ["ml-team/flood-detection", "ML-Team/Renamed-Later"]);
    await r.resolve(token("glpat-alice-demo"), byPath("ml-team/renamed-later"));
    await r.resolve(token("glpat-alice-demo"), byId(101));
    await r.resolve(token("glpat-alice-demo"), byId(102));
    expect(count(calls, "projects/:id"), "101 by id and the old denial asked again, 102 still cached").toBe(5);
  });

  it("drops every project under a namespace, and not a sibling whose name only starts the same", async () => {
    const { r, calls } = resolver();
    const alice = token("glpat-alice-demo");
    const all = () => Promise.all([r.resolve(alice, byId(101)), r.resolve(alice, byId(102)), r.resolve(alice, byPath("open-science/public-models")), r.resolve(alice, byPath("ml-team-archive/old"))]);
    await all();
    expect(count(calls, "projects/:id")).toBe(4);
    r.forgetNamespace("ML-Team/Vision");
    await all();
    expect(count(calls, "projects/:id"), "only ml-team/vision/segmentation again").toBe(5);
    r.forgetNamespace("ml-team");
    await all();
    expect(count(calls, "projects/:id"), "flood-detection and segmentation again; open-science and ml-team-archive still cached").toBe(7);
  });

  it("drops everything, tokens' scopes included, when told to forget all", async () => {
    const { r, calls } = resolver();
    await r.resolve(token("glpat-alice-demo"), byId(101));
    await r.resolve(token("glpat-bob-demo"), byId(102));
    r.forgetAll();
    await r.resolve(token("glpat-alice-demo"), byId(101));
    await r.resolve(token("glpat-bob-demo"), byId(102));
    expect(count(calls, "projects/:id")).toBe(4);
    expect(count(calls, "personal_access_tokens/self")).toBe(4);
  });

  it("does not keep an answer GitLab gave while a revocation arrived: it may predate the change", async () => {
    const slow = await startGitLabDev({ fixturePath, port: 0, application, latencyMs: 300 });
    try {
      const { r, calls } = resolver({ gitlabUrl: slow.listenUrl });
      const inFlight = r.resolve(token("glpat-alice-demo"), byId(101));
      await new Promise((done) => setTimeout(done, 100));
      r.forgetProject(101, []);
      expect(summary(await inFlight), "the request that asked still gets its answer").toMatchObject({ level: 50 });
      await r.resolve(token("glpat-alice-demo"), byId(101));
      expect(count(calls, "projects/:id")).toBe(2);
    } finally {
      await slow.close();
    }
  });

  // lru-cache aborts a fetch whose key is cleared or deleted: that rejection once reached a request as a 500
  // (a revocation listener reconnecting forgets all, and a token's revocation deletes its scopes mid-lookup).
  it.each([
    ["every answer is forgotten (forgetAll)", (r: ReturnType<typeof resolver>["r"]) => r.forgetAll()],
    ["the token is revoked (forget)", (r: ReturnType<typeof resolver>["r"]) => r.forget(hashToken("glpat-alice-demo"))],
  ])("answers a request whose lookup was in flight when %s, and keeps nothing of that answer", async (_when, forget) => {
    const slow = await startGitLabDev({ fixturePath, port: 0, application, latencyMs: 300 });
    try {
      const { r, calls } = resolver({ gitlabUrl: slow.listenUrl });
      const inFlight = r.resolve(token("glpat-alice-demo"), byId(101));
      await new Promise((done) => setTimeout(done, 100));
      forget(r);
      expect(summary(await inFlight), "the request that asked still gets GitLab's answer").toMatchObject({ level: 50 });
      expect(r.cached(token("glpat-alice-demo"), byId(101))).toBe(false);
      await r.resolve(token("glpat-alice-demo"), byId(101));
      expect(count(calls, "projects/:id")).toBe(2);
    } finally {
      await slow.close();
    }
  });
});

/** An OAuth access token from the stand-in, got the way the hub's sign-in gets one (authorization code). */
async function oauthToken(username: string, scope: string): Promise<string> {
  const jar = new Map<string, string>();
  const go = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...init.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      const [name, value] = [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)];
      if (value && !/expires=Thu, 01 Jan 1970/i.test(line)) jar.set(name, value);
      else jar.delete(name);
    }
    return res;
  };
  const follow = async (res: Response): Promise<Response | URL> => {
    while (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get("location")!, gitlab.url);
      if (next.origin !== new URL(gitlab.url).origin) return next;
      res = await go(next.href);
    }
    return res;
  };
  const redirectUri = application.redirectUris[0];
  const authorize = `${gitlab.url}/oauth/authorize?${new URLSearchParams({ client_id: application.clientId, redirect_uri: redirectUri, response_type: "code", scope, state: "s" })}`;
  const form = (await follow(await go(authorize))) as Response;
  const action = new URL(/<form method="post" action="([^"]+)"/.exec(await form.text())![1], gitlab.url).href;
  const body = new URLSearchParams({ "user[login]": username, "user[password]": "mlflow-hub-demo" });
  const callback = (await follow(await go(action, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body }))) as URL;
  const res = await fetch(`${gitlab.url}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${application.clientId}:${application.clientSecret}`).toString("base64")}` },
    body: new URLSearchParams({ grant_type: "authorization_code", code: callback.searchParams.get("code")!, redirect_uri: redirectUri }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const writeRefusal = (result: AccessResult) => {
  if (result.kind !== "granted") return `denied ${result.error.code}`;
  const d = decide("write", result.access, "developer");
  return d.allow ? "allow" : d.error.message;
};

describe("GitLab token scopes (issue 11, hole 5)", () => {
  const flood = byPath("ml-team/flood-detection");

  it("holds a Developer's read_api token to reading, saying why and what to use instead", async () => {
    const result = await resolver().r.resolve(token("glpat-bob-readapi"), flood);
    expect(summary(result)).toMatchObject({ level: 30, source: "group" });
    expect(result.kind === "granted" && decide("read", result.access, "developer").allow).toBe(true);
    const refusal = writeRefusal(result);
    expect(refusal).toMatch(/read_api scope but not api/);
    expect(refusal).toMatch(/hub project token/);
    expect(refusal).toMatch(/GitLab token with the api scope/);
  });

  it("leaves an api token its role's writes, and names it for audit by GitLab's name and id", async () => {
    const result = await resolver().r.resolve(token("glpat-bob-demo"), flood);
    expect(writeRefusal(result)).toBe("allow");
    expect(result.kind === "granted" && result.access.credential).toMatch(/^GitLab access token "demo" \(id \d+\)$/);
  });

  it("reads an OAuth token's scopes from GitLab's token info: a read_api one sent as a Bearer token only reads", async () => {
    const readApi = await oauthToken("bob", "openid profile email read_user read_api");
    const { r, calls } = resolver();
    const result = await r.resolve(token(readApi), flood);
    expect(writeRefusal(result)).toMatch(/read_api scope but not api/);
    expect(calls).toContain("oauth/token/info");
    expect(writeRefusal(await r.resolve(token(await oauthToken("bob", "api")), flood))).toBe("allow");
  });

  it("keeps the role of the hub's own sign-in, whose OAuth token has read_api only, without asking GitLab for its scopes", async () => {
    const session = await oauthToken("bob", "openid profile email read_user read_api");
    const { r, calls } = resolver();
    expect(writeRefusal(await r.resolve({ kind: "hub-session", token: session }, flood))).toBe("allow");
    expect(calls).toEqual(["projects/:id"]);
  });

  it("keeps a CI job token to its job's rules", async () => {
    const result = await resolver({ serviceToken: "glpat-hub-service" }).r.resolve(token("glcbt-demo-running"), flood);
    expect(writeRefusal(result)).toBe("allow");
    expect(result.kind === "granted" && result.access.credential).toBe("CI job token (job 9001)");
  });
});

describe("hub project tokens", () => {
  const BOB = { id: 3, username: "bob" };
  const OSCAR = { id: 7, username: "oscar" };
  const flood = byPath("ml-team/flood-detection");

  /** The store as the gateway sees it, kept in memory; GitLab is the stand-in. */
  function store() {
    const grants = new Map<string, ProjectTokenGrant>();
    const used: string[] = [];
    let lookups = 0;
    return {
      used,
      lookups: () => lookups,
      add(owner: { id: number; username: string }, o: Partial<ProjectTokenGrant> = {}) {
        const { token: value, hash } = mintProjectToken();
        const grant = { id: `t-${grants.size + 1}`, name: "nightly", access: "write" as const, projectId: 101, ownerGitlabId: owner.id, ownerUsername: owner.username, expiresAt: new Date(Date.now() + 86_400_000), ...o };
        grants.set(hash, grant);
        return { credential: { kind: "project-token" as const, token: value }, hash, grant };
      },
      revoke: (hash: string) => grants.delete(hash),
      source: {
        find: async (hash: string) => {
          lookups += 1;
          return grants.get(hash);
        },
        used: (id: string) => void used.push(id),
      },
    };
  }
  const withStore = (s: ReturnType<typeof store>, extra: Partial<AccessResolverOptions> = {}) => resolver({ serviceToken: "glpat-hub-service", projectTokens: s.source, ...extra });

  it("gives a write token its owner's current role in its own project, and names the token and its owner for audit", async () => {
    const s = store();
    const { credential } = s.add(BOB);
    const result = await withStore(s).r.resolve(credential, flood);
    expect(summary(result)).toMatchObject({ level: 30, id: 101 });
    expect(writeRefusal(result)).toBe("allow");
    expect(result.kind === "granted" && [result.username, result.access.credential]).toEqual(["bob", 'project token "nightly" (id t-1)']);
  });

  it("works by the project's numeric id as by its path", async () => {
    const s = store();
    expect(summary(await withStore(s).r.resolve(s.add(BOB).credential, byId(101)))).toMatchObject({ level: 30, id: 101 });
  });

  it("holds a read token to reading and tells it how to get a write token", async () => {
    const s = store();
    const result = await withStore(s).r.resolve(s.add(BOB, { access: "read" }).credential, flood);
    expect(result.kind === "granted" && decide("read", result.access, "developer").allow).toBe(true);
    expect(writeRefusal(result)).toMatch(/^This hub project token is read-only\. .*create a write token/);
  });

  it("is never worth more than its owner's role: a Reporter's write token cannot write", async () => {
    const s = store();
    const result = await withStore(s).r.resolve(s.add({ id: 4, username: "carol" }).credential, flood);
    expect(writeRefusal(result)).toMatch(/^Your role in this project \(Reporter\)/);
  });

  it("serves no other project, not even one its owner may write to", async () => {
    const s = store();
    const { credential } = s.add(BOB);
    const r = withStore(s).r;
    expect(summary(await r.resolve(credential, byPath("ml-team/internal-baselines")))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
    expect(summary(await r.resolve(credential, byId(104)))).toEqual({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });

  it("stops working once its owner has no role in the project", async () => {
    const s = store();
    const result = await withStore(s).r.resolve(s.add(OSCAR).credential, flood);
    expect(summary(result)).toEqual({ status: 403, code: "PERMISSION_DENIED" });
    expect(result.kind === "denied" && result.error.message).toBe("This project token's owner (oscar) no longer has a role in this project, so the token no longer works.");
  });

  it("refuses an unknown, expired or malformed token 401 without asking GitLab", async () => {
    const s = store();
    const expired = s.add(BOB, { expiresAt: new Date(Date.now() - 1000) }).credential;
    const unknown = { kind: "project-token" as const, token: mintProjectToken().token };
    const malformed = { kind: "project-token" as const, token: `${expired.token.slice(0, -1)}${expired.token.endsWith("a") ? "b" : "a"}` };
    const { r, calls } = withStore(s);
    for (const credential of [expired, unknown, malformed]) {
      const result = await r.resolve(credential, flood);
      expect(summary(result)).toEqual({ status: 401, code: "UNAUTHENTICATED" });
      expect(result.kind === "denied" && result.error.message).toMatch(/^The hub project token is unknown, expired or revoked/);
    }
    expect(calls).toEqual([]);
    expect(s.lookups(), "the malformed token reached the store").toBe(2);
  });

  it("is refused, naming GITLAB_SERVICE_TOKEN, when the hub has no service token", async () => {
    const s = store();
    const result = await resolver({ projectTokens: s.source }).r.resolve(s.add(BOB).credential, flood);
    expect(result.kind === "denied" && result.error.message).toContain("GITLAB_SERVICE_TOKEN");
  });

  it("re-checks its owner's role at most once per TTL and records the use then", async () => {
    const s = store();
    const { credential, grant } = s.add(BOB);
    const { r, calls } = withStore(s);
    for (let i = 0; i < 3; i++) await r.resolve(credential, flood);
    expect(calls.sort()).toEqual(["projects/:id", "projects/:id/members/all/:user_id"]);
    expect(s.used).toEqual([grant.id]);
  });

  it("is not kept in the cache past its own expiry", async () => {
    const s = store();
    const { credential } = s.add(BOB, { expiresAt: new Date(Date.now() + 1_000) });
    const { r } = withStore(s);
    expect(summary(await r.resolve(credential, flood))).toMatchObject({ level: 30 });
    await new Promise((done) => setTimeout(done, 1_100));
    expect(summary(await r.resolve(credential, flood))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  });

  it("stops working at once when revoked and forgotten, without waiting for the TTL", async () => {
    const s = store();
    const { credential, hash } = s.add(BOB);
    const { r } = withStore(s);
    expect(summary(await r.resolve(credential, flood))).toMatchObject({ level: 30 });
    s.revoke(hash);
    expect(summary(await r.resolve(credential, flood)), "cached within the TTL").toMatchObject({ level: 30 });
    r.forget(hash);
    expect(summary(await r.resolve(credential, flood))).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(hash).toBe(hashToken(credential.token));
  });

  it("answers 503 when the token store cannot be read, and does not cache that", async () => {
    const s = store();
    const { credential } = s.add(BOB);
    let fail = true;
    const { r } = resolver({ serviceToken: "glpat-hub-service", projectTokens: { find: (h) => (fail ? Promise.reject(new Error("db down")) : s.source.find(h)) } });
    const error = await r.resolve(credential, flood).catch((e: unknown) => e);
    expect((error as GatewayError).code).toBe("TEMPORARILY_UNAVAILABLE");
    fail = false;
    expect(summary(await r.resolve(credential, flood))).toMatchObject({ level: 30 });
  });
});
