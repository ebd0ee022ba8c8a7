import { LRUCache } from "lru-cache";
import { hashToken, isWellFormedProjectToken } from "../tokens/format";
import type { Credential } from "./credentials";
import type { ProjectAccess, Visibility } from "./decide";
import { GatewayError, notFoundProject, unauthenticated, unavailable } from "./errors";
import { ACCESS_LEVEL } from "./permissions";
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

/** `expiresAt`: when the credential itself stops working; no answer is kept past it. */
export type AccessResult = { kind: "granted"; access: ProjectAccess; username?: string; job?: JobInfo; expiresAt?: Date } | { kind: "denied"; error: GatewayError };

/**
 * A caller as the resolver sees it. Sessions have already been turned into their GitLab token:
 * `hub-session` is the OAuth token of a sign-in to this hub (browser, dashboard), which acts with
 * its user's role although the hub only asks GitLab for read_api; a `token` is one a user minted
 * and sent, and is held to what its GitLab scopes allow.
 */
export type ResolvableCredential = Exclude<Credential, { kind: "session" }> | { kind: "hub-session"; token: string };

/** A hub project token as its store holds it. */
export interface ProjectTokenGrant {
  id: string;
  name: string;
  access: "read" | "write";
  projectId: number;
  /** The owner's GitLab user id: their current role is what the token is worth, at most. */
  ownerGitlabId: number;
  ownerUsername: string;
  expiresAt: Date;
}

export interface ProjectTokenSource {
  /** The token whose SHA-256 (base64url) this is, or undefined. */
  find(hash: string): Promise<ProjectTokenGrant | undefined>;
  /** Called when a token was checked against GitLab, at most once per token, project and TTL. */
  used?(id: string): void;
}

export interface AccessResolverOptions {
  gitlabUrl: string;
  /** read_api token of the hub, needed for CI job tokens (GitLab does not let them read /projects/:id) and project tokens. */
  serviceToken?: string;
  /** Where hub project tokens are looked up; without it they are refused. */
  projectTokens?: ProjectTokenSource;
  /** Checks the hub's serving grants (lib/serving/grant.ts); without it they are refused. */
  servingGrants?: { verify(token: string): { projectId: number; expiresAt: Date } | undefined };
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

interface GitLabMember {
  access_level: number;
  state?: string;
}

/** What a GitLab token's own scopes let it do here, and how audit rows name it. */
interface TokenScopes {
  writes: boolean;
  label: string;
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

const READ_ONLY_GITLAB_TOKEN =
  "This GitLab token can only read here: it has the read_api scope but not api, and the hub lets a token do no more in MLflow than in GitLab. " +
  "To log runs or change anything, use a hub project token (create one on the project's Get started page in the hub) or a GitLab token with the api scope.";
const READ_ONLY_PROJECT_TOKEN =
  "This hub project token is read-only. To log runs or change anything, create a write token on the project's Get started page in the hub.";
const badProjectToken = () => denied(unauthenticated("The hub project token is unknown, expired or revoked: create a new one on the project's Get started page in the hub."));

const refPath = (ref: ProjectRef) => (ref.kind === "id" ? String(ref.id) : encodeURIComponent(ref.path));
const refKey = (ref: ProjectRef) => (ref.kind === "id" ? `#${ref.id}` : ref.path.toLowerCase());
/** The refKey part of a cache key `<kind>:<token hash>:<refKey>` (neither kind nor hash holds a colon). */
const refOfKey = (key: string) => key.slice(key.indexOf(":", key.indexOf(":") + 1) + 1);

/**
 * Resolves (caller, project) → project and role through GitLab's API with the
 * caller's own token, and caches the answer — denials too — for the TTL: at most
 * one GitLab call per token, project and period. Concurrent misses share one call.
 * An unreachable GitLab is never cached and never means "allow": it throws 503.
 */
export function createAccessResolver(o: AccessResolverOptions) {
  const timeoutMs = o.timeoutMs ?? 5_000;

  /** `path` is below /api/v4 unless it starts with /oauth/. */
  async function gitlab<T>(endpoint: string, path: string, headers: Record<string, string>): Promise<{ status: number; body?: T }> {
    let res: Response;
    try {
      res = await fetch(`${o.gitlabUrl}${path.startsWith("/oauth/") ? "" : "/api/v4"}${path}`, { headers: { accept: "application/json", ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
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

  /**
   * GitLab's own answer on the token: a personal, project or group access token describes itself
   * at /personal_access_tokens/self (project and group tokens are personal tokens of a bot user);
   * anything else there answers 400, and an OAuth token describes itself at /oauth/token/info.
   * A token whose scopes cannot be read gets no writes.
   */
  async function lookupScopes(token: string): Promise<TokenScopes> {
    const bearer = { authorization: `Bearer ${token}` };
    const self = await gitlab<{ id: number; name: string; scopes?: string[] }>("personal_access_tokens/self", "/personal_access_tokens/self", bearer);
    if (self.status === 200 && self.body) {
      return { writes: self.body.scopes?.includes("api") ?? false, label: `GitLab access token "${self.body.name}" (id ${self.body.id})` };
    }
    if (self.status !== 400) return { writes: false, label: "GitLab token" };
    const info = await gitlab<{ scope?: string[] | string }>("oauth/token/info", "/oauth/token/info", bearer);
    const scopes = info.status === 200 ? info.body?.scope : undefined;
    const list = Array.isArray(scopes) ? scopes : typeof scopes === "string" ? scopes.split(" ") : [];
    return { writes: list.includes("api"), label: "GitLab OAuth token" };
  }

  // Scopes belong to the token, not to a project: one lookup per token and TTL serves every project.
  const scopeCache = new LRUCache<string, TokenScopes, string>({
    max: 100_000,
    ttl: Math.max(1, o.ttlSeconds) * 1000,
    // A token revoked while its scopes are asked: the request that asked gets its answer (lru-cache
    // would reject it with "deleted", a 500); a token's scopes never change, so keeping them is harmless.
    ignoreFetchAbort: true,
    fetchMethod: (_key, _stale, { context }) => lookupScopes(context),
  });
  const scopesOf = async (token: string) => (o.ttlSeconds === 0 ? lookupScopes(token) : (await scopeCache.fetch(hashToken(token), { context: token }))!);

  async function forToken(token: string, ref: ProjectRef, heldToScopes: boolean): Promise<AccessResult> {
    const [res, scopes] = await Promise.all([
      gitlab<GitLabProject>("projects/:id", `/projects/${refPath(ref)}`, { authorization: `Bearer ${token}` }),
      heldToScopes ? scopesOf(token) : undefined,
    ]);
    if (res.status === 401) return badToken();
    if (res.status === 403) return missingScope();
    if (res.status !== 200 || !res.body || !hasTopics(res.body)) return denied(notFoundProject());
    const projectLevel = res.body.permissions?.project_access?.access_level ?? 0;
    const groupLevel = res.body.permissions?.group_access?.access_level ?? 0;
    const level = Math.max(projectLevel, groupLevel);
    const source = level === 0 ? "visibility" : projectLevel >= groupLevel ? "project" : "group";
    const access = granted(res.body, level, source, false);
    if (scopes) {
      access.credential = scopes.label;
      if (!scopes.writes) access.readOnly = READ_ONLY_GITLAB_TOKEN;
    }
    return { kind: "granted", access };
  }

  /**
   * A hub project token is worth its owner's current role in its own project, read through the
   * service token (the owner's own GitLab token is not the hub's to keep), and never more than the
   * token's read or write; an owner without a role there takes the token's power with them.
   */
  async function forProjectToken(token: string, ref: ProjectRef): Promise<AccessResult> {
    if (!o.projectTokens || !o.serviceToken) {
      return denied(unauthenticated("Project tokens are not enabled on this hub: its administrator must set GITLAB_SERVICE_TOKEN."));
    }
    // A look-alike or a typo fails its checksum: no database lookup for it.
    if (!isWellFormedProjectToken(token)) return badProjectToken();
    let grant: ProjectTokenGrant | undefined;
    try {
      grant = await o.projectTokens.find(hashToken(token));
    } catch {
      throw unavailable("The hub's database");
    }
    if (!grant || grant.expiresAt.getTime() <= Date.now()) return badProjectToken();
    const service = { authorization: `Bearer ${o.serviceToken}` };
    const project = await gitlab<GitLabProject>("projects/:id", `/projects/${refPath(ref)}`, service);
    if (project.status === 401 || project.status === 403) throw unavailable("The hub's GitLab service token");
    // A project token serves only its own project: any other looks like one that does not exist.
    if (project.status !== 200 || !project.body || project.body.id !== grant.projectId || !hasTopics(project.body)) return denied(notFoundProject());
    const member = await gitlab<GitLabMember>("projects/:id/members/all/:user_id", `/projects/${project.body.id}/members/all/${grant.ownerGitlabId}`, service);
    const level = member.status === 200 && member.body && (member.body.state ?? "active") === "active" ? member.body.access_level : 0;
    if (level < ACCESS_LEVEL.guest) {
      return denied(new GatewayError("PERMISSION_DENIED", `This project token's owner (${grant.ownerUsername}) no longer has a role in this project, so the token no longer works.`));
    }
    o.projectTokens.used?.(grant.id);
    // members/all gives the higher of project and group membership, as GitLab resolves it.
    const access = granted(project.body, level, "project", false);
    access.credential = `project token "${grant.name}" (id ${grant.id})`;
    if (grant.access === "read") access.readOnly = READ_ONLY_PROJECT_TOKEN;
    return { kind: "granted", access, username: grant.ownerUsername, expiresAt: grant.expiresAt };
  }

  /**
   * The serving runtime downloading a model it was asked to run: read-only, in the one project the
   * hub signed the grant for, until it expires. The project is read with the service token.
   */
  async function forServingGrant(token: string, ref: ProjectRef): Promise<AccessResult> {
    const grant = o.servingGrants?.verify(token);
    if (!grant || !o.serviceToken) return denied(unauthenticated("The serving grant is unknown or expired."));
    const project = await gitlab<GitLabProject>("projects/:id", `/projects/${refPath(ref)}`, { authorization: `Bearer ${o.serviceToken}` });
    if (project.status === 401 || project.status === 403) throw unavailable("The hub's GitLab service token");
    if (project.status !== 200 || !project.body || project.body.id !== grant.projectId || !hasTopics(project.body)) return denied(notFoundProject());
    const access = granted(project.body, ACCESS_LEVEL.reporter, "project", false);
    access.credential = "serving grant";
    access.readOnly = "A serving grant only downloads models.";
    return { kind: "granted", access, username: "(serving runtime)", expiresAt: grant.expiresAt };
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
    const member = await gitlab<GitLabMember>("projects/:id/members/all/:user_id", `/projects/${project.body.id}/members/all/${job.body.user.id}`, service);
    const level = member.status === 200 && member.body ? member.body.access_level : 0;
    const p = job.body.pipeline;
    return {
      kind: "granted",
      access: { ...granted(project.body, level, "ci-job", false), credential: `CI job token (job ${job.body.id})` },
      username: job.body.user.username,
      job: { id: job.body.id, url: job.body.web_url, pipelineId: p.id, pipelineUrl: p.web_url, sha: p.sha, ref: job.body.ref, username: job.body.user.username },
    };
  }

  function lookup(credential: ResolvableCredential, ref: ProjectRef): Promise<AccessResult> {
    switch (credential.kind) {
      case "anonymous":
        return forAnonymous(ref);
      case "job":
        return forJob(credential.token, ref);
      case "project-token":
        return forProjectToken(credential.token, ref);
      case "serving-grant":
        return forServingGrant(credential.token, ref);
      case "hub-session":
        return forToken(credential.token, ref, false);
      case "token":
        return forToken(credential.token, ref, true);
    }
  }

  // Bumped by every forget: an answer GitLab gave while a revocation arrived may predate it, so it
  // serves the request that asked and is not kept (lru-cache does not list in-flight fetches to forget).
  let generation = 0;
  // The keys of each token (`t:`), project reference (`r:`) and granted project id (`p:`): a
  // revocation finds its entries without scanning a full cache (100,000 entries: ~130 ms of CPU).
  const index = new Map<string, Set<string>>();
  let clearing = false;
  const tagsOf = (key: string, value: AccessResult | undefined) => {
    const tags = [`t:${key.split(":", 2)[1]}`, `r:${refOfKey(key)}`];
    if (value?.kind === "granted") tags.push(`p:${value.access.project.id}`);
    if (value?.kind === "granted" && value.job) tags.push(`j:${value.job.id}`);
    return tags;
  };
  const tag = (key: string, value: AccessResult) => {
    for (const t of tagsOf(key, value)) {
      let keys = index.get(t);
      if (!keys) index.set(t, (keys = new Set()));
      keys.add(key);
    }
  };
  const untag = (key: string, value: AccessResult | undefined) => {
    for (const t of tagsOf(key, value)) {
      const keys = index.get(t);
      if (keys?.delete(key) && keys.size === 0) index.delete(t);
    }
  };
  const forgetTagged = (tags: string[]) => {
    const keys = new Set(tags.flatMap((t) => [...(index.get(t) ?? [])]));
    for (const key of keys) cache.delete(key);
  };
  const cache = new LRUCache<string, AccessResult, { credential: ResolvableCredential; ref: ProjectRef }>({
    max: 100_000,
    ttl: Math.max(1, o.ttlSeconds) * 1000,
    // A clear or delete while GitLab is asked would reject the waiting request with "deleted" (a 500):
    // it gets GitLab's answer instead, and `resolve` drops that answer, since the generation moved on.
    ignoreFetchAbort: true,
    // Evicted, expired, replaced or deleted: out of the index too (an in-flight fetch was never in it).
    dispose: (value, key) => {
      if (!clearing) untag(key, typeof (value as Partial<AccessResult>)?.kind === "string" ? value : undefined);
    },
    fetchMethod: async (_key, _stale, { context, options }) => {
      const result = await lookup(context.credential, context.ref);
      // An expiring token's answer is not kept past the token's own end.
      if (result.kind === "granted" && result.expiresAt) options.ttl = Math.max(1, Math.min(options.ttl ?? Infinity, result.expiresAt.getTime() - Date.now()));
      return result;
    },
  });

  function forgetAll() {
    generation++;
    clearing = true;
    try {
      cache.clear();
    } finally {
      clearing = false;
    }
    index.clear();
    scopeCache.clear();
  }

  return {
    async resolve(credential: ResolvableCredential, ref: ProjectRef): Promise<AccessResult> {
      if (o.ttlSeconds === 0) return lookup(credential, ref);
      const key = `${credential.kind}:${credential.kind === "anonymous" ? "" : hashToken(credential.token)}:${refKey(ref)}`;
      const cached = cache.get(key);
      o.onCache?.(cached !== undefined);
      if (cached) return cached;
      const asked = generation;
      const result = (await cache.fetch(key, { context: { credential, ref } }))!;
      if (generation !== asked) cache.delete(key);
      else if (cache.has(key)) tag(key, result);
      return result;
    },
    /** Whether `resolve` would answer from the cache, without asking GitLab: the gateway charges a lookup budget only for the others. */
    cached(credential: ResolvableCredential, ref: ProjectRef): boolean {
      return o.ttlSeconds > 0 && cache.has(`${credential.kind}:${credential.kind === "anonymous" ? "" : hashToken(credential.token)}:${refKey(ref)}`);
    },
    /** Drops every answer given to the token with this SHA-256 (base64url), e.g. when it is revoked. */
    forget(tokenHash: string) {
      generation++;
      scopeCache.delete(tokenHash);
      forgetTagged([`t:${tokenHash}`]);
    },
    /**
     * Drops every answer about one project, for every caller: those asked by its id, by any of
     * `paths` (its current and former paths), and those whose answer names the project.
     */
    forgetProject(id: number, paths: readonly string[]) {
      generation++;
      forgetTagged([`p:${id}`, `r:#${id}`, ...paths.map((p) => `r:${p.toLowerCase()}`)]);
    },
    /** Drops the answers given to one CI job's token (the job ended: GitLab no longer accepts it). */
    forgetJob(jobId: number) {
      generation++;
      forgetTagged([`j:${jobId}`]);
    },
    /**
     * Drops every answer about a project under a group or user namespace (its full path), asked
     * by path or naming the project; a project asked by id and denied names no path, so those go too.
     * A scan of the whole cache: group renames and deletions are rare.
     */
    forgetNamespace(fullPath: string) {
      generation++;
      const prefix = `${fullPath.toLowerCase()}/`;
      for (const [key, value] of cache.entries()) {
        const ref = refOfKey(key);
        const under = value.kind === "granted" ? value.access.project.path.toLowerCase().startsWith(prefix) : ref.startsWith("#");
        if (under || ref.startsWith(prefix)) cache.delete(key);
      }
    },
    /** Drops every answer and every token's scopes. */
    forgetAll,
    clear: forgetAll,
  };
}

export type AccessResolver = ReturnType<typeof createAccessResolver>;
