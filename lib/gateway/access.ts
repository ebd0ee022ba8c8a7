import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Credential } from "./credentials";
import type { ProjectAccess, Visibility } from "./decide";
import { GatewayError, notFoundProject, unauthenticated, unavailable } from "./errors";
import type { ProjectRef } from "./project-path";

/** What the gateway knows of a CI job, for the provenance tags it adds to runs the job creates. */
export interface JobInfo {
  id: number;
  url: string;
  pipelineId: number;
  pipelineUrl: string;
  sha: string;
  ref: string;
  username: string;
}

export type AccessResult = { kind: "granted"; access: ProjectAccess; username?: string; job?: JobInfo } | { kind: "denied"; error: GatewayError };

/** A caller as the resolver sees it: sessions have already been turned into their GitLab token. */
export type ResolvableCredential = Exclude<Credential, { kind: "session" }>;

export interface AccessResolverOptions {
  gitlabUrl: string;
  /** read_api token of the hub, needed for CI job tokens (GitLab does not let them read /projects/:id). */
  serviceToken?: string;
  mandatoryTopics: readonly string[];
  ttlSeconds: number;
  timeoutMs?: number;
  /** Called once per GitLab API call, for metrics and tests. */
  onGitLabCall?: (endpoint: string, status: number | "error") => void;
  onCache?: (hit: boolean) => void;
}

interface GitLabProject {
  id: number;
  path_with_namespace: string;
  visibility: Visibility;
  topics?: string[];
  permissions?: { project_access: { access_level: number } | null; group_access: { access_level: number } | null };
}

interface GitLabJob {
  id: number;
  web_url: string;
  ref: string;
  user: { id: number; username: string };
  pipeline: { id: number; project_id: number; sha: string; web_url: string };
}

const denied = (error: GatewayError): AccessResult => ({ kind: "denied", error });

const badToken = () => denied(unauthenticated("GitLab did not accept the token: it is unknown, expired or revoked."));
const missingScope = () =>
  denied(new GatewayError("PERMISSION_DENIED", "The token's scopes do not let it read projects: use a token with the read_api (or api) scope."));

const refPath = (ref: ProjectRef) => (ref.kind === "id" ? String(ref.id) : encodeURIComponent(ref.path));
const refKey = (ref: ProjectRef) => (ref.kind === "id" ? `#${ref.id}` : ref.path.toLowerCase());
const hash = (token: string) => createHash("sha256").update(token).digest("base64url");

/**
 * Resolves (caller, project) → project and role through GitLab's API with the
 * caller's own token, and caches the answer — denials too — for the TTL: at most
 * one GitLab call per token, project and period. Concurrent misses share one call.
 * An unreachable GitLab is never cached and never means "allow": it throws 503.
 */
export function createAccessResolver(o: AccessResolverOptions) {
  const timeoutMs = o.timeoutMs ?? 5_000;

  async function gitlab<T>(endpoint: string, path: string, headers: Record<string, string>): Promise<{ status: number; body?: T }> {
    let res: Response;
    try {
      res = await fetch(`${o.gitlabUrl}/api/v4${path}`, { headers: { accept: "application/json", ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
    } catch {
      o.onGitLabCall?.(endpoint, "error");
      throw unavailable("GitLab");
    }
    o.onGitLabCall?.(endpoint, res.status);
    if (res.status >= 500 || res.status === 429) {
      await res.arrayBuffer().catch(() => undefined);
      throw unavailable("GitLab");
    }
    if (res.status !== 200) {
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status };
    }
    return { status: 200, body: (await res.json()) as T };
  }

  const hasTopics = (p: GitLabProject) => o.mandatoryTopics.every((t) => p.topics?.includes(t));

  function granted(p: GitLabProject, accessLevel: number, source: ProjectAccess["source"], anonymous: boolean): ProjectAccess {
    return { project: { id: p.id, path: p.path_with_namespace, visibility: p.visibility, topics: p.topics ?? [] }, accessLevel, source, anonymous };
  }

  async function forToken(token: string, ref: ProjectRef): Promise<AccessResult> {
    const res = await gitlab<GitLabProject>("projects/:id", `/projects/${refPath(ref)}`, { authorization: `Bearer ${token}` });
    if (res.status === 401) return badToken();
    if (res.status === 403) return missingScope();
    if (res.status !== 200 || !res.body || !hasTopics(res.body)) return denied(notFoundProject());
    const projectLevel = res.body.permissions?.project_access?.access_level ?? 0;
    const groupLevel = res.body.permissions?.group_access?.access_level ?? 0;
    const level = Math.max(projectLevel, groupLevel);
    const source = level === 0 ? "visibility" : projectLevel >= groupLevel ? "project" : "group";
    return { kind: "granted", access: granted(res.body, level, source, false) };
  }

  async function forAnonymous(ref: ProjectRef): Promise<AccessResult> {
    const res = await gitlab<GitLabProject>("projects/:id", `/projects/${refPath(ref)}`, {});
    // For a caller without credentials, "no such project" and "sign in first" must look the same.
    if (res.status !== 200 || !res.body || !hasTopics(res.body)) return denied(unauthenticated("Sign in: send a GitLab token (MLFLOW_TRACKING_TOKEN)."));
    return { kind: "granted", access: granted(res.body, 0, "visibility", true) };
  }

  async function forJob(jobToken: string, ref: ProjectRef): Promise<AccessResult> {
    if (!o.serviceToken) {
      return denied(unauthenticated("CI job tokens are not enabled on this hub: its administrator must set GITLAB_SERVICE_TOKEN. Use a personal access token meanwhile."));
    }
    const job = await gitlab<GitLabJob>("job", "/job", { "job-token": jobToken });
    if (job.status !== 200 || !job.body) return denied(unauthenticated("The CI job token is not valid: the job is not running."));
    const service = { authorization: `Bearer ${o.serviceToken}` };
    const project = await gitlab<GitLabProject>("projects/:id", `/projects/${refPath(ref)}`, service);
    if (project.status === 401 || project.status === 403) throw unavailable("The hub's GitLab service token");
    // A job token serves only the project whose pipeline it belongs to.
    if (project.status !== 200 || !project.body || project.body.id !== job.body.pipeline.project_id || !hasTopics(project.body)) return denied(notFoundProject());
    const member = await gitlab<{ access_level: number }>("projects/:id/members/all/:user_id", `/projects/${project.body.id}/members/all/${job.body.user.id}`, service);
    const level = member.status === 200 && member.body ? member.body.access_level : 0;
    const p = job.body.pipeline;
    return {
      kind: "granted",
      access: granted(project.body, level, "ci-job", false),
      username: job.body.user.username,
      job: { id: job.body.id, url: job.body.web_url, pipelineId: p.id, pipelineUrl: p.web_url, sha: p.sha, ref: job.body.ref, username: job.body.user.username },
    };
  }

  function lookup(credential: ResolvableCredential, ref: ProjectRef): Promise<AccessResult> {
    if (credential.kind === "anonymous") return forAnonymous(ref);
    if (credential.kind === "job") return forJob(credential.token, ref);
    return forToken(credential.token, ref);
  }

  const cache = new LRUCache<string, AccessResult, { credential: ResolvableCredential; ref: ProjectRef }>({
    max: 100_000,
    ttl: Math.max(1, o.ttlSeconds) * 1000,
    fetchMethod: (_key, _stale, { context }) => lookup(context.credential, context.ref),
  });

  return {
    async resolve(credential: ResolvableCredential, ref: ProjectRef): Promise<AccessResult> {
      if (o.ttlSeconds === 0) return lookup(credential, ref);
      const key = `${credential.kind}:${credential.kind === "anonymous" ? "" : hash(credential.token)}:${refKey(ref)}`;
      const cached = cache.get(key);
      o.onCache?.(cached !== undefined);
      if (cached) return cached;
      return (await cache.fetch(key, { context: { credential, ref } }))!;
    },
    clear: () => cache.clear(),
  };
}

export type AccessResolver = ReturnType<typeof createAccessResolver>;
