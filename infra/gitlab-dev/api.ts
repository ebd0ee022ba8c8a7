/**
 * GitLab REST API v4 — the routes the hub calls (doc/api/*.md) — over the fixture world, with
 * GitLab's authentication (lib/api/api_guard.rb): which credentials each route reads, its 401 and 403
 * bodies, scope checks, and CI job tokens accepted on /job only.
 *
 * Framework-free: a request description in, status, headers and a JSON body out.
 */
import {
  currentUser,
  jobEntity,
  memberEntity,
  personalAccessTokenEntity,
  projectEntity,
  type ProjectView,
} from "./entities.ts";
import type { OAuthTokenCheck } from "./oauth.ts";
import {
  acceptedScopes,
  accessLevels,
  projectOrders,
  scopeAllows,
  visibilities,
  type MemberLevel,
  type PersonalAccessToken,
  type Project,
  type RouteScope,
  type User,
  type World,
} from "./world.ts";

export interface ApiRequest {
  method: string;
  /** The path below /api/v4, still percent-encoded: "/projects/ml-team%2Fflood-detection". */
  path: string;
  query: URLSearchParams;
  header(name: string): string | undefined;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export interface ApiOptions {
  world: World;
  /** Public base URL of the stand-in; every `web_url` starts with it. */
  baseUrl: string;
  now(): Date;
  checkOAuthToken(value: string): Promise<OAuthTokenCheck>;
}

/** What GitLab 18 reports; the hub only needs a plausible modern version. */
export const gitlabVersion = "18.2.0";

type Caller =
  | { kind: "anonymous" }
  | { kind: "personal_access_token"; user: User; scopes: string[]; token: PersonalAccessToken }
  | { kind: "oauth"; user: User; scopes: string[] };
type SignedIn = Exclude<Caller, { kind: "anonymous" }>;

interface RouteContext {
  caller: Caller;
  params: Record<string, string>;
  query: URLSearchParams;
  path: string;
}

interface Route {
  pattern: string[];
  /** GET (and HEAD) unless said otherwise. */
  method?: "POST" | "DELETE";
  /** Token scopes the route admits; "job" routes read CI job tokens and decide themselves. */
  scope: RouteScope | "job";
  signInRequired: boolean;
  handle(context: RouteContext, request: ApiRequest): ApiResponse | Promise<ApiResponse>;
}

class BadRequest extends Error {}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse => ({
  status,
  headers,
  body,
});

const unauthorized = () => json(401, { message: "401 Unauthorized" });
const projectNotFound = () => json(404, { message: "404 Project Not Found" });

/** Rack::OAuth2's bearer errors, as GitLab's API guard sends them. */
function bearerError(status: 401 | 403, error: string, description: string, extra: Record<string, string> = {}) {
  const challenge = `Bearer realm="Protected by OAuth 2.0", error="${error}", error_description="${description}"`;
  return json(status, { error, error_description: description, ...extra }, { "www-authenticate": challenge });
}

const tokenErrors = {
  expired: () => bearerError(401, "invalid_token", "Token is expired. You can either do re-authorization or token refresh."),
  revoked: () => bearerError(401, "invalid_token", "Token was revoked. You have to re-authorize from the user."),
  insufficientScope: (scopes: string[]) =>
    bearerError(403, "insufficient_scope", "The request requires higher privileges than provided by the access token.", {
      scope: scopes.join(" "),
    }),
};

function bearerToken(request: ApiRequest): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.header("authorization") ?? "");
  return match?.[1];
}

/** PRIVATE-TOKEN takes personal access tokens only; Bearer and access_token take OAuth tokens too. */
function accessTokenCredential(request: ApiRequest): { value: string; mayBeOAuth: boolean } | undefined {
  const privateToken = request.header("private-token") || request.query.get("private_token");
  if (privateToken) return { value: privateToken, mayBeOAuth: false };
  const value = bearerToken(request) || request.query.get("access_token");
  return value ? { value, mayBeOAuth: true } : undefined;
}

const truthy = new Set(["true", "t", "1", "yes", "y", "on"]);
const falsy = new Set(["false", "f", "0", "no", "n", "off"]);

function booleanParam(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (truthy.has(value.toLowerCase())) return true;
  if (falsy.has(value.toLowerCase())) return false;
  throw new BadRequest(`${name} is invalid`);
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^-?\d+$/.test(value)) throw new BadRequest(`${name} is invalid`);
  return Number(value);
}

function oneOfParam<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[]): T | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new BadRequest(`${name} does not have a valid value`);
  return value as T;
}

/** Roles a project membership can hold (minimal access exists on top-level groups only). */
const projectLevels = new Set<number>(Object.values(accessLevels).filter((level) => level >= accessLevels.guest));

const minAccessLevels = new Set<number>(
  Object.values(accessLevels).filter((level) => level >= accessLevels.minimal),
);

export function createApi(options: ApiOptions): (request: ApiRequest) => Promise<ApiResponse> {
  const { world, baseUrl } = options;

  function paginate<T>(items: T[], context: RouteContext): { page: T[]; headers: Record<string, string> } {
    const page = Math.max(1, integerParam(context.query, "page") ?? 1);
    const requested = integerParam(context.query, "per_page") ?? 20;
    const perPage = requested < 1 ? 20 : Math.min(requested, 100);
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const pageUrl = (number: number) => {
      const query = new URLSearchParams(context.query);
      query.set("page", String(number));
      query.set("per_page", String(perPage));
      return `${baseUrl}/api/v4${context.path}?${query}`;
    };
    const links = [
      ...(page > 1 ? [`<${pageUrl(page - 1)}>; rel="prev"`] : []),
      ...(page < totalPages ? [`<${pageUrl(page + 1)}>; rel="next"`] : []),
      `<${pageUrl(1)}>; rel="first"`,
      `<${pageUrl(totalPages)}>; rel="last"`,
    ];
    return {
      page: items.slice((page - 1) * perPage, page * perPage),
      headers: {
        "x-page": String(page),
        "x-per-page": String(perPage),
        "x-total": String(items.length),
        "x-total-pages": String(totalPages),
        "x-next-page": page < totalPages ? String(page + 1) : "",
        "x-prev-page": page > 1 ? String(page - 1) : "",
        link: links.join(", "),
      },
    };
  }

  const viewerOf = (caller: Caller): User | null => (caller.kind === "anonymous" ? null : caller.user);

  function visibleProject(context: RouteContext): Project | undefined {
    const project = world.project(context.params.id);
    return project && world.canRead(viewerOf(context.caller), project) ? project : undefined;
  }

  async function resolve(credential: { value: string; mayBeOAuth: boolean }): Promise<SignedIn | ApiResponse> {
    const pat = world.personalAccessToken(credential.value, options.now());
    if (pat.status === "valid") {
      return { kind: "personal_access_token", user: pat.token.user, scopes: pat.token.scopes, token: pat.token };
    }
    if (pat.status === "expired") return tokenErrors.expired();
    if (pat.status === "revoked") return tokenErrors.revoked();
    if (!credential.mayBeOAuth) return unauthorized();
    const oauth = await options.checkOAuthToken(credential.value);
    if (oauth.status === "valid") return { kind: "oauth", user: oauth.user, scopes: oauth.scopes };
    if (oauth.status === "expired") return tokenErrors.expired();
    if (oauth.status === "revoked") return tokenErrors.revoked();
    return unauthorized();
  }

  function jobAnswer(value: string): ApiResponse {
    const check = world.jobToken(value);
    if (check.status !== "valid") return unauthorized();
    return json(200, jobEntity(check.job, baseUrl, options.now()));
  }

  /** GET /job: Bearer may carry the job token; other credentials win over JOB-TOKEN but find no job. */
  async function currentJob(request: ApiRequest): Promise<ApiResponse> {
    const bearer = bearerToken(request);
    if (bearer && world.jobToken(bearer).status !== "unknown") return jobAnswer(bearer);
    const credential = accessTokenCredential(request);
    if (credential) {
      const caller = await resolve(credential);
      if ("status" in caller) return caller;
      if (!scopeAllows(caller.scopes, "api", request.method)) {
        return tokenErrors.insufficientScope(acceptedScopes("api", request.method));
      }
      return json(404, { message: "404 Job Not Found" });
    }
    const jobToken = request.header("job-token") || request.query.get("job_token");
    return jobToken ? jobAnswer(jobToken) : unauthorized();
  }

  const routes: Route[] = [
    {
      pattern: ["user"],
      scope: "read_user",
      signInRequired: true,
      handle: ({ caller }) => json(200, currentUser((caller as SignedIn).user, baseUrl)),
    },
    {
      pattern: ["personal_access_tokens", "self"],
      scope: "self",
      signInRequired: true,
      handle: ({ caller }) =>
        caller.kind === "personal_access_token"
          ? json(200, personalAccessTokenEntity(caller.token, true))
          : json(400, { message: "400 Bad request - This endpoint requires token type to be a personal access token" }),
    },
    {
      pattern: ["projects"],
      scope: "api",
      signInRequired: false,
      handle: (context) => {
        const { query, caller } = context;
        const minAccessLevel = integerParam(query, "min_access_level");
        if (minAccessLevel !== undefined && !minAccessLevels.has(minAccessLevel)) {
          throw new BadRequest("min_access_level does not have a valid value");
        }
        const projects = world.listProjects(viewerOf(caller), {
          membership: booleanParam(query, "membership"),
          minAccessLevel,
          topics: query.get("topic")?.split(",").map((topic) => topic.trim()).filter(Boolean),
          search: query.get("search") || undefined,
          searchNamespaces: booleanParam(query, "search_namespaces"),
          visibility: oneOfParam(query, "visibility", visibilities),
          orderBy: oneOfParam(query, "order_by", projectOrders),
          sort: oneOfParam(query, "sort", ["asc", "desc"] as const),
        });
        const simple = booleanParam(query, "simple") === true;
        const view: ProjectView = simple
          ? { style: "simple" }
          : caller.kind === "anonymous"
            ? { style: "anonymous" }
            : { style: "list", viewer: caller.user };
        const { page, headers } = paginate(projects, context);
        return json(
          200,
          page.map((project) => projectEntity(world, project, baseUrl, view)),
          headers,
        );
      },
    },
    {
      pattern: ["projects", ":id"],
      scope: "api",
      signInRequired: false,
      handle: (context) => {
        const project = visibleProject(context);
        if (!project) return projectNotFound();
        const { caller } = context;
        const view: ProjectView =
          caller.kind === "anonymous" ? { style: "anonymous" } : { style: "member", viewer: caller.user };
        return json(200, projectEntity(world, project, baseUrl, view));
      },
    },
    {
      pattern: ["projects", ":id", "members", "all"],
      scope: "api",
      signInRequired: false,
      handle: (context) => {
        const project = visibleProject(context);
        if (!project) return projectNotFound();
        const search = context.query.get("query")?.toLowerCase();
        const userIds = [...context.query.getAll("user_ids[]"), ...context.query.getAll("user_ids")]
          .flatMap((value) => value.split(","))
          .filter(Boolean)
          .map((value) => {
            if (!/^\d+$/.test(value)) throw new BadRequest("user_ids is invalid");
            return Number(value);
          });
        const members = world.membersAll(project).filter(
          ({ user }) =>
            (!search || user.username.toLowerCase().includes(search) || user.name.toLowerCase().includes(search)) &&
            (!userIds.length || userIds.includes(user.id)),
        );
        const { page, headers } = paginate(members, context);
        return json(
          200,
          page.map((member) => memberEntity(member, project, baseUrl)),
          headers,
        );
      },
    },
    {
      pattern: ["projects", ":id", "members", "all", ":user_id"],
      scope: "api",
      signInRequired: false,
      handle: (context) => {
        const project = visibleProject(context);
        if (!project) return projectNotFound();
        if (!/^\d+$/.test(context.params.user_id)) throw new BadRequest("user_id is invalid");
        const userId = Number(context.params.user_id);
        const found = world.membersAll(project).find((member) => member.user.id === userId);
        return found ? json(200, memberEntity(found, project, baseUrl)) : json(404, { message: "404 Not found" });
      },
    },
    {
      pattern: ["projects", ":id", "members"],
      method: "POST",
      scope: "api",
      signInRequired: true,
      handle: (context) => {
        const managed = managedProject(context);
        if ("status" in managed) return managed;
        const userId = integerParam(context.query, "user_id");
        const level = integerParam(context.query, "access_level");
        if (userId === undefined) throw new BadRequest("user_id is missing");
        if (level === undefined || !projectLevels.has(level)) throw new BadRequest("access_level does not have a valid value");
        const user = world.userById(userId);
        if (!user) return json(404, { message: "404 User Not Found" });
        if (!world.addProjectMember(managed, user, level as MemberLevel)) return json(409, { message: "Member already exists" });
        return json(201, memberEntity({ user, accessLevel: level as MemberLevel }, managed, baseUrl));
      },
    },
    {
      pattern: ["projects", ":id", "members", ":user_id"],
      method: "DELETE",
      scope: "api",
      signInRequired: true,
      handle: (context) => {
        const managed = managedProject(context);
        if ("status" in managed) return managed;
        if (!/^\d+$/.test(context.params.user_id)) throw new BadRequest("user_id is invalid");
        const user = world.userById(Number(context.params.user_id));
        if (!user || !world.removeProjectMember(managed, user)) return json(404, { message: "404 Member Not Found" });
        return json(204, null);
      },
    },
    {
      pattern: ["job"],
      scope: "job",
      signInRequired: false,
      handle: (_context, request) => currentJob(request),
    },
    {
      pattern: ["version"],
      scope: "api",
      signInRequired: true,
      handle: () =>
        json(200, {
          version: gitlabVersion,
          revision: "gitlab-dev",
          kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
          enterprise: false,
        }),
    },
  ];

  /** Where the caller may manage members: Maintainer and up, or an admin (doc/api/members.md). */
  function managedProject(context: RouteContext): Project | ApiResponse {
    const project = visibleProject(context);
    if (!project) return projectNotFound();
    const user = (context.caller as SignedIn).user;
    if (!user.admin && world.maxAccess(user, project) < accessLevels.maintainer) return json(403, { message: "403 Forbidden" });
    return project;
  }

  function match(path: string): { route: Route; params: Record<string, string> }[] {
    let segments: string[];
    try {
      segments = path.split("/").filter(Boolean).map(decodeURIComponent);
    } catch {
      return [];
    }
    const found: { route: Route; params: Record<string, string> }[] = [];
    for (const route of routes) {
      if (route.pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const fits = route.pattern.every((part, i) => {
        if (part.startsWith(":")) {
          params[part.slice(1)] = segments[i];
          return true;
        }
        return part === segments[i];
      });
      if (fits) found.push({ route, params });
    }
    return found;
  }

  const methodOf = (route: Route) => route.method ?? "GET";

  return async function handle(request: ApiRequest): Promise<ApiResponse> {
    const candidates = match(request.path);
    if (!candidates.length) return json(404, { error: "404 Not Found" });
    const method = request.method === "HEAD" ? "GET" : request.method;
    const found = candidates.find((c) => methodOf(c.route) === method);
    if (!found) {
      const allowed = [...new Set(candidates.map((c) => methodOf(c.route)))].flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m]));
      return json(405, { error: "405 Not Allowed" }, { allow: allowed.join(", ") });
    }
    const { route, params } = found;
    const context: RouteContext = { caller: { kind: "anonymous" }, params, query: request.query, path: request.path };
    try {
      if (route.scope !== "job") {
        // A JOB-TOKEN header or job_token parameter is never read here: the call stays anonymous.
        const credential = accessTokenCredential(request);
        if (credential) {
          const caller = await resolve(credential);
          if ("status" in caller) return caller;
          if (!scopeAllows(caller.scopes, route.scope, request.method)) {
            return tokenErrors.insufficientScope(acceptedScopes(route.scope, request.method));
          }
          context.caller = caller;
        }
        if (route.signInRequired && context.caller.kind === "anonymous") return unauthorized();
      }
      return await route.handle(context, request);
    } catch (error) {
      if (error instanceof BadRequest) return json(400, { error: error.message });
      throw error;
    }
  };
}
