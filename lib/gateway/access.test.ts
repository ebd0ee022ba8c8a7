import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startGitLabDev } from "../../infra/gitlab-dev/server";
import { createAccessResolver, type AccessResolverOptions, type AccessResult, type ResolvableCredential } from "./access";
import { GatewayError } from "./errors";

const fixturePath = path.resolve(import.meta.dirname, "../../infra/gitlab-dev/fixtures/demo.yaml");
let gitlab: Awaited<ReturnType<typeof startGitLabDev>>;
beforeAll(async () => {
  gitlab = await startGitLabDev({ fixturePath, port: 0 });
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

  it("are refused with a message naming GITLAB_SERVICE_TOKEN when the hub has none", async () => {
    const result = await resolver().r.resolve(token("glcbt-demo-running"), byPath("ml-team/flood-detection"));
    expect(summary(result)).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    if (result.kind === "denied") expect(result.error.message).toContain("GITLAB_SERVICE_TOKEN");
  });
});

describe("the access cache", () => {
  it("calls GitLab once per token and project within the TTL, even for concurrent requests", async () => {
    const { r, calls } = resolver();
    await Promise.all(Array.from({ length: 20 }, () => r.resolve(token("glpat-alice-demo"), byPath("ml-team/flood-detection"))));
    await r.resolve(token("glpat-alice-demo"), byPath("ml-team/flood-detection"));
    expect(calls).toHaveLength(1);
    await r.resolve(token("glpat-bob-demo"), byPath("ml-team/flood-detection"));
    await r.resolve(token("glpat-alice-demo"), byPath("ml-team/vision/segmentation"));
    expect(calls).toHaveLength(3);
  });

  it("caches denials too", async () => {
    const { r, calls } = resolver();
    await r.resolve(token("glpat-oscar-demo"), byPath("ml-team/flood-detection"));
    await r.resolve(token("glpat-oscar-demo"), byPath("ml-team/flood-detection"));
    expect(calls).toHaveLength(1);
  });

  it("asks GitLab again once the TTL has passed", async () => {
    const { r, calls } = resolver({ ttlSeconds: 1 });
    await r.resolve(token("glpat-alice-demo"), byId(101));
    await new Promise((done) => setTimeout(done, 1_100));
    await r.resolve(token("glpat-alice-demo"), byId(101));
    expect(calls).toHaveLength(2);
  });

  it("answers 503 when GitLab is unreachable, and does not cache that", async () => {
    const { r, calls } = resolver({ gitlabUrl: "http://127.0.0.1:9", timeoutMs: 1_000 });
    for (let i = 0; i < 2; i++) {
      const error = await r.resolve(token("glpat-alice-demo"), byId(101)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(503);
      expect((error as GatewayError).code).toBe("TEMPORARILY_UNAVAILABLE");
    }
    expect(calls).toEqual(["projects/:id", "projects/:id"]);
  });
});
