/**
 * The GitLab world the stand-in serves — users, nested groups, projects, memberships, tokens and
 * CI jobs — loaded from a fixture and queried with GitLab's documented permission rules
 * (doc/user/permissions.md, doc/api/projects.md, doc/api/members.md).
 *
 * Pure: no I/O and no clock; callers pass `now` where time matters.
 */
import { z } from "zod";
import { parse as parseYaml } from "yaml";

export const accessLevels = {
  none: 0,
  minimal: 5,
  guest: 10,
  planner: 15,
  reporter: 20,
  developer: 30,
  maintainer: 40,
  owner: 50,
} as const;
export type AccessLevel = (typeof accessLevels)[keyof typeof accessLevels];
export type MemberLevel = Exclude<AccessLevel, 0>;

/** The personal access token scopes the stand-in models; other GitLab scopes are refused by the fixture. */
export const tokenScopes = ["api", "read_api", "read_user"] as const;
export type TokenScope = (typeof tokenScopes)[number];

export const visibilities = ["private", "internal", "public"] as const;
export type Visibility = (typeof visibilities)[number];

export const jobStatuses = [
  "created",
  "waiting_for_resource",
  "preparing",
  "pending",
  "running",
  "success",
  "failed",
  "canceling",
  "canceled",
  "skipped",
  "manual",
  "scheduled",
] as const;
export type JobStatus = (typeof jobStatuses)[number];

export const projectOrders = [
  "id",
  "name",
  "path",
  "created_at",
  "updated_at",
  "last_activity_at",
  "star_count",
  "similarity",
] as const;
export type ProjectOrder = (typeof projectOrders)[number];

export interface User {
  id: number;
  username: string;
  name: string;
  email: string;
  publicEmail: string | null;
  password: string;
  admin: boolean;
  avatarUrl: string | null;
  createdAt: string;
  /** The personal namespace's id; GitLab numbers namespaces apart from users. */
  namespaceId: number;
}

export interface PersonalAccessToken {
  id: number;
  user: User;
  name: string;
  description: string;
  token: string;
  scopes: TokenScope[];
  expiresAt: string | null;
  revoked: boolean;
  createdAt: string;
}

export interface Group {
  id: number;
  fullPath: string;
  path: string;
  name: string;
  description: string;
  parent: Group | null;
  /** Direct members only, by user id. */
  members: ReadonlyMap<number, MemberLevel>;
}

export type Namespace = { kind: "group"; group: Group } | { kind: "user"; user: User };

export interface Project {
  id: number;
  fullPath: string;
  path: string;
  name: string;
  description: string | null;
  visibility: Visibility;
  topics: string[];
  /** Direct members only, by user id; the members API adds and removes them. */
  members: Map<number, MemberLevel>;
  namespace: Namespace;
  defaultBranch: string;
  createdAt: string;
  lastActivityAt: string;
  starCount: number;
}

export interface Job {
  id: number;
  token: string;
  project: Project;
  user: User;
  status: JobStatus;
  name: string;
  stage: string;
  ref: string;
  tag: boolean;
  sha: string;
  commitTitle: string;
  pipelineId: number;
  createdAt: string;
  startedAt: string | null;
}

export interface Member {
  user: User;
  accessLevel: MemberLevel;
}

export type PersonalAccessTokenCheck =
  | { status: "valid" | "expired" | "revoked"; token: PersonalAccessToken }
  | { status: "unknown" };

export type JobTokenCheck = { status: "valid" | "inactive"; job: Job } | { status: "unknown" };

export interface ProjectFilter {
  /** Only projects the viewer is a member of, directly or through a group. */
  membership?: boolean;
  minAccessLevel?: number;
  /** Every topic must be present. */
  topics?: string[];
  search?: string;
  /** Let `search` match the namespace part of the full path too. */
  searchNamespaces?: boolean;
  visibility?: Visibility;
  orderBy?: ProjectOrder;
  sort?: "asc" | "desc";
}

/** Which scopes a route admits: only the token itself, the caller's own profile, or the API. */
export type RouteScope = "self" | "read_user" | "api";

export class FixtureError extends Error {
  constructor(readonly issues: string[]) {
    super(issues.join("; "));
    this.name = "FixtureError";
  }
}

/** Scopes that admit a call, most powerful first; `read_*` scopes only ever admit reads. */
export function acceptedScopes(route: RouteScope, method: string): TokenScope[] {
  const read = method === "GET" || method === "HEAD";
  if (!read) return ["api"];
  if (route === "api") return ["api", "read_api"];
  return ["api", "read_api", "read_user"];
}

/** Whether a token holding `granted` may make this call (GitLab's insufficient_scope check). */
export function scopeAllows(granted: Iterable<string>, route: RouteScope, method: string): boolean {
  if (route === "self") return true;
  const accepted = new Set<string>(acceptedScopes(route, method));
  return [...granted].some((scope) => accepted.has(scope));
}

const slug = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const segment = z.string().regex(slug, "must be a GitLab path (letters, digits, '_', '.', '-')");
const fullPath = z
  .string()
  .refine((value) => value.split("/").every((part) => slug.test(part)), {
    message: "must be GitLab paths joined by '/'",
  });
const positiveId = z.number().int().positive();
const timestamp = z.iso.datetime({ offset: true });
const memberLevel = z.literal([5, 10, 15, 20, 30, 40, 50]);
const memberMap = z.record(z.string(), memberLevel).default({});

const tokenInput = z.strictObject({
  token: z.string().min(1),
  scopes: z.array(z.enum(tokenScopes)).min(1),
  id: positiveId.optional(),
  name: z.string().min(1).optional(),
  description: z.string().default(""),
  expires_at: z.iso.date().nullable().default(null),
  revoked: z.boolean().default(false),
  created_at: timestamp.optional(),
});

const userInput = z.strictObject({
  id: positiveId.optional(),
  username: segment,
  name: z.string().min(1),
  email: z.email(),
  public_email: z.email().nullable().default(null),
  password: z.string().min(1),
  admin: z.boolean().default(false),
  avatar_url: z.url().nullable().default(null),
  created_at: timestamp.optional(),
  tokens: z.array(tokenInput).default([]),
});

const groupInput = z.strictObject({
  id: positiveId,
  path: fullPath,
  name: z.string().min(1).optional(),
  description: z.string().default(""),
  members: memberMap,
});

const projectInput = z.strictObject({
  id: positiveId,
  path: fullPath,
  name: z.string().min(1).optional(),
  description: z.string().nullable().default(null),
  visibility: z.enum(visibilities),
  topics: z.array(z.string().min(1)).default([]),
  members: memberMap,
  default_branch: z.string().min(1).default("main"),
  created_at: timestamp.optional(),
  last_activity_at: timestamp.optional(),
  star_count: z.number().int().nonnegative().default(0),
});

const jobInput = z.strictObject({
  token: z.string().min(1),
  project_id: positiveId,
  username: z.string().min(1),
  status: z.enum(jobStatuses),
  id: positiveId.optional(),
  name: z.string().min(1).default("train"),
  stage: z.string().min(1).default("test"),
  ref: z.string().min(1).default("main"),
  tag: z.boolean().default(false),
  sha: z.string().regex(/^[0-9a-f]{40}$/, "must be 40 lowercase hex digits").optional(),
  commit_title: z.string().min(1).default("Train the model"),
  pipeline_id: positiveId.optional(),
  created_at: timestamp.optional(),
  started_at: timestamp.nullable().optional(),
});

const fixtureInput = z
  .strictObject({
    users: z.array(userInput).min(1),
    groups: z.array(groupInput).default([]),
    projects: z.array(projectInput).default([]),
    jobs: z.array(jobInput).default([]),
  })
  .superRefine(checkReferences);

type FixtureInput = z.infer<typeof fixtureInput>;

/** Statuses whose job token GitLab still accepts (doc/ci/jobs/ci_job_token.md). */
const activeJobStatuses: ReadonlySet<JobStatus> = new Set(["running", "canceling"]);
const notStartedJobStatuses: ReadonlySet<JobStatus> = new Set([
  "created",
  "waiting_for_resource",
  "preparing",
  "pending",
  "manual",
  "scheduled",
  "skipped",
]);

const epoch = Date.UTC(2024, 0, 1);
const day = 24 * 60 * 60 * 1000;

/** Default timestamps are fixed and spaced by fixture position so created_at ordering is stable. */
function defaultTimestamp(position: number): string {
  return new Date(epoch + position * day).toISOString();
}

function userIdAt(fixture: FixtureInput, index: number): number {
  return fixture.users[index].id ?? index + 1;
}

function checkReferences(fixture: FixtureInput, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });

  const userIds = new Set<number>();
  const usernames = new Set<string>();
  const emails = new Set<string>();
  const tokenValues = new Set<string>();
  const tokenIds = new Set<number>();
  let tokenPosition = 0;
  fixture.users.forEach((user, u) => {
    const id = userIdAt(fixture, u);
    if (userIds.has(id)) issue(["users", u, "id"], `duplicate user id ${id}`);
    userIds.add(id);
    const username = user.username.toLowerCase();
    if (usernames.has(username)) issue(["users", u, "username"], `duplicate username "${user.username}"`);
    usernames.add(username);
    const email = user.email.toLowerCase();
    if (emails.has(email)) issue(["users", u, "email"], `duplicate email "${user.email}"`);
    emails.add(email);
    user.tokens.forEach((token, t) => {
      tokenPosition += 1;
      const tokenId = token.id ?? tokenPosition;
      if (tokenIds.has(tokenId)) issue(["users", u, "tokens", t, "id"], `duplicate token id ${tokenId}`);
      tokenIds.add(tokenId);
      if (tokenValues.has(token.token)) issue(["users", u, "tokens", t, "token"], "duplicate token value");
      tokenValues.add(token.token);
    });
  });

  const groupIds = new Set<number>();
  const groupPaths = new Set<string>();
  fixture.groups.forEach((group, g) => {
    if (groupIds.has(group.id)) issue(["groups", g, "id"], `duplicate group id ${group.id}`);
    groupIds.add(group.id);
    groupPaths.add(group.path.toLowerCase());
  });
  const seenGroupPaths = new Set<string>();
  fixture.groups.forEach((group, g) => {
    const path = group.path.toLowerCase();
    if (seenGroupPaths.has(path)) issue(["groups", g, "path"], `duplicate group path "${group.path}"`);
    seenGroupPaths.add(path);
    const parentPath = path.split("/").slice(0, -1).join("/");
    if (parentPath && !groupPaths.has(parentPath)) {
      issue(["groups", g, "path"], `parent group "${parentPath}" is not in the fixture`);
    }
    if (usernames.has(path.split("/")[0])) {
      issue(["groups", g, "path"], `"${path.split("/")[0]}" is already a user's namespace`);
    }
    for (const [username, level] of Object.entries(group.members)) {
      if (!usernames.has(username.toLowerCase())) {
        issue(["groups", g, "members", username], `unknown user "${username}"`);
      }
      if (level === accessLevels.minimal && parentPath) {
        issue(["groups", g, "members", username], "minimal access (5) exists on top-level groups only");
      }
    }
  });

  const projectIds = new Set<number>();
  const projectPaths = new Set<string>();
  fixture.projects.forEach((project, p) => {
    if (projectIds.has(project.id)) issue(["projects", p, "id"], `duplicate project id ${project.id}`);
    projectIds.add(project.id);
    const path = project.path.toLowerCase();
    const namespacePath = path.split("/").slice(0, -1).join("/");
    if (!namespacePath) {
      issue(["projects", p, "path"], "must include its namespace, e.g. group/project");
    } else if (!groupPaths.has(namespacePath) && !usernames.has(namespacePath)) {
      issue(["projects", p, "path"], `namespace "${namespacePath}" is neither a group nor a username`);
    }
    if (projectPaths.has(path) || groupPaths.has(path)) {
      issue(["projects", p, "path"], `path "${project.path}" is already taken`);
    }
    projectPaths.add(path);
    for (const [username, level] of Object.entries(project.members)) {
      if (!usernames.has(username.toLowerCase())) {
        issue(["projects", p, "members", username], `unknown user "${username}"`);
      }
      if (level === accessLevels.minimal) {
        issue(["projects", p, "members", username], "minimal access (5) is not a project role");
      }
    }
  });

  const jobIds = new Set<number>();
  fixture.jobs.forEach((job, j) => {
    const id = job.id ?? j + 1;
    if (jobIds.has(id)) issue(["jobs", j, "id"], `duplicate job id ${id}`);
    jobIds.add(id);
    if (tokenValues.has(job.token)) issue(["jobs", j, "token"], "duplicate token value");
    tokenValues.add(job.token);
    if (!projectIds.has(job.project_id)) issue(["jobs", j, "project_id"], `unknown project ${job.project_id}`);
    if (!usernames.has(job.username.toLowerCase())) issue(["jobs", j, "username"], `unknown user "${job.username}"`);
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`))
    .join("");
}

/** Parses a fixture written as YAML or JSON (JSON is YAML) and builds the world, or throws FixtureError. */
export function parseFixture(text: string): World {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new FixtureError([`not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`]);
  }
  return buildWorld(raw);
}

/** Validates a fixture object and builds the world, or throws FixtureError naming each bad field. */
export function buildWorld(raw: unknown): World {
  const parsed = fixtureInput.safeParse(raw);
  if (!parsed.success) {
    throw new FixtureError(
      parsed.error.issues.map((issue) => {
        const where = formatPath(issue.path);
        return where ? `${where}: ${issue.message}` : issue.message;
      }),
    );
  }
  return new World(parsed.data);
}

export class World {
  readonly users: readonly User[];
  readonly groups: readonly Group[];
  readonly projects: readonly Project[];
  readonly jobs: readonly Job[];
  readonly personalAccessTokens: readonly PersonalAccessToken[];

  readonly #usersById = new Map<number, User>();
  readonly #usersByLogin = new Map<string, User>();
  readonly #tokens = new Map<string, PersonalAccessToken>();
  readonly #jobsByToken = new Map<string, Job>();
  readonly #projectsById = new Map<number, Project>();
  readonly #projectsByPath = new Map<string, Project>();

  constructor(fixture: FixtureInput) {
    const maxGroupId = Math.max(0, ...fixture.groups.map((group) => group.id));
    this.users = fixture.users.map((input, u) => {
      const id = userIdAt(fixture, u);
      const user: User = {
        id,
        username: input.username,
        name: input.name,
        email: input.email,
        publicEmail: input.public_email,
        password: input.password,
        admin: input.admin,
        avatarUrl: input.avatar_url,
        createdAt: input.created_at ?? defaultTimestamp(0),
        namespaceId: maxGroupId + id,
      };
      this.#usersById.set(id, user);
      this.#usersByLogin.set(user.username.toLowerCase(), user);
      this.#usersByLogin.set(user.email.toLowerCase(), user);
      return user;
    });

    let tokenPosition = 0;
    this.personalAccessTokens = fixture.users.flatMap((input, u) =>
      input.tokens.map((token) => {
        tokenPosition += 1;
        const id = token.id ?? tokenPosition;
        const pat: PersonalAccessToken = {
          id,
          user: this.users[u],
          name: token.name ?? `${input.username}-token-${id}`,
          description: token.description,
          token: token.token,
          scopes: token.scopes,
          expiresAt: token.expires_at,
          revoked: token.revoked,
          createdAt: token.created_at ?? defaultTimestamp(0),
        };
        this.#tokens.set(pat.token, pat);
        return pat;
      }),
    );

    const byPath = new Map<string, Group>();
    const sortedByDepth = [...fixture.groups].sort(
      (a, b) => a.path.split("/").length - b.path.split("/").length,
    );
    for (const input of sortedByDepth) {
      const parts = input.path.split("/");
      const group: Group = {
        id: input.id,
        fullPath: input.path,
        path: parts[parts.length - 1],
        name: input.name ?? parts[parts.length - 1],
        description: input.description,
        parent: byPath.get(parts.slice(0, -1).join("/").toLowerCase()) ?? null,
        members: this.#memberMap(input.members),
      };
      byPath.set(input.path.toLowerCase(), group);
    }
    this.groups = fixture.groups.map((input) => byPath.get(input.path.toLowerCase())!);

    this.projects = fixture.projects.map((input, p) => {
      const parts = input.path.split("/");
      const namespacePath = parts.slice(0, -1).join("/").toLowerCase();
      const group = byPath.get(namespacePath);
      const owner = this.#usersByLogin.get(namespacePath);
      const namespace: Namespace = group ? { kind: "group", group } : { kind: "user", user: owner! };
      const members = new Map(this.#memberMap(input.members));
      // GitLab records a personal project's namespace owner as its Owner member.
      if (namespace.kind === "user" && !members.has(namespace.user.id)) {
        members.set(namespace.user.id, accessLevels.owner);
      }
      const createdAt = input.created_at ?? defaultTimestamp(p);
      const project: Project = {
        id: input.id,
        fullPath: input.path,
        path: parts[parts.length - 1],
        name: input.name ?? parts[parts.length - 1],
        description: input.description,
        visibility: input.visibility,
        topics: input.topics,
        members,
        namespace,
        defaultBranch: input.default_branch,
        createdAt,
        lastActivityAt: input.last_activity_at ?? createdAt,
        starCount: input.star_count,
      };
      this.#projectsById.set(project.id, project);
      this.#projectsByPath.set(project.fullPath.toLowerCase(), project);
      return project;
    });

    this.jobs = fixture.jobs.map((input, j) => {
      const id = input.id ?? j + 1;
      const createdAt = input.created_at ?? defaultTimestamp(0);
      const job: Job = {
        id,
        token: input.token,
        project: this.#projectsById.get(input.project_id)!,
        user: this.#usersByLogin.get(input.username.toLowerCase())!,
        status: input.status,
        name: input.name,
        stage: input.stage,
        ref: input.ref,
        tag: input.tag,
        sha: input.sha ?? id.toString(16).padStart(40, "0"),
        commitTitle: input.commit_title,
        pipelineId: input.pipeline_id ?? id,
        createdAt,
        startedAt:
          input.started_at !== undefined
            ? input.started_at
            : notStartedJobStatuses.has(input.status)
              ? null
              : createdAt,
      };
      this.#jobsByToken.set(job.token, job);
      return job;
    });
  }

  #memberMap(members: Record<string, MemberLevel>): Map<number, MemberLevel> {
    return new Map(
      Object.entries(members).map(([username, level]) => [
        this.#usersByLogin.get(username.toLowerCase())!.id,
        level,
      ]),
    );
  }

  userById(id: number): User | undefined {
    return this.#usersById.get(id);
  }

  /** GitLab's sign-in field takes a username or the primary email, case-insensitively. */
  userByLogin(login: string): User | undefined {
    return this.#usersByLogin.get(login.trim().toLowerCase());
  }

  signIn(login: string, password: string): User | undefined {
    const user = this.userByLogin(login);
    return user && user.password === password ? user : undefined;
  }

  /** GitLab checks expiry before revocation; a token expires at the start (UTC) of its expires_at day. */
  personalAccessToken(value: string, now: Date): PersonalAccessTokenCheck {
    const token = this.#tokens.get(value);
    if (!token) return { status: "unknown" };
    if (token.expiresAt !== null && now.getTime() >= Date.parse(`${token.expiresAt}T00:00:00Z`)) {
      return { status: "expired", token };
    }
    if (token.revoked) return { status: "revoked", token };
    return { status: "valid", token };
  }

  jobToken(value: string): JobTokenCheck {
    const job = this.#jobsByToken.get(value);
    if (!job) return { status: "unknown" };
    return { status: activeJobStatuses.has(job.status) ? "valid" : "inactive", job };
  }

  /** Looks a project up by numeric id or full path (case-insensitive, like GitLab's routes). */
  project(ref: string): Project | undefined {
    if (/^\d+$/.test(ref)) return this.#projectsById.get(Number(ref));
    return this.#projectsByPath.get(ref.toLowerCase());
  }

  /** The group and its ancestors, nearest first. */
  groupChain(group: Group): Group[] {
    const chain: Group[] = [];
    for (let current: Group | null = group; current; current = current.parent) chain.push(current);
    return chain;
  }

  /** `permissions.project_access`: direct project membership only. */
  projectAccess(user: User, project: Project): MemberLevel | null {
    return project.members.get(user.id) ?? null;
  }

  /**
   * `permissions.group_access`: the highest direct membership in the project's group or any ancestor.
   * Null for projects in a personal namespace.
   */
  groupAccess(user: User, project: Project): MemberLevel | null {
    if (project.namespace.kind !== "group") return null;
    let highest: MemberLevel | null = null;
    for (const group of this.groupChain(project.namespace.group)) {
      const level = group.members.get(user.id);
      if (level !== undefined && (highest === null || level > highest)) highest = level;
    }
    return highest;
  }

  /**
   * `permissions.group_access` as GitLab's project lists show it: only a direct membership in the
   * project's own group; memberships inherited from ancestors show as null there.
   */
  listGroupAccess(user: User, project: Project): MemberLevel | null {
    if (project.namespace.kind !== "group") return null;
    return project.namespace.group.members.get(user.id) ?? null;
  }

  /** The role a user holds on a project, direct or inherited; 0 without one. Minimal access grants no project role. */
  maxAccess(user: User, project: Project): AccessLevel {
    const levels = [this.projectAccess(user, project), this.groupAccess(user, project)].filter(
      (level): level is MemberLevel => level !== null && level >= accessLevels.guest,
    );
    return levels.length ? (Math.max(...levels) as MemberLevel) : accessLevels.none;
  }

  /** Private: members (incl. inherited) and admins; internal: any signed-in user; public: anyone. */
  canRead(viewer: User | null, project: Project): boolean {
    if (project.visibility === "public") return true;
    if (!viewer) return false;
    if (project.visibility === "internal" || viewer.admin) return true;
    return this.maxAccess(viewer, project) >= accessLevels.guest;
  }

  listProjects(viewer: User | null, filter: ProjectFilter = {}): Project[] {
    const topics = (filter.topics ?? []).map((topic) => topic.toLowerCase());
    const search = filter.search?.toLowerCase();
    const matches = this.projects.filter((project) => {
      if (!this.canRead(viewer, project)) return false;
      if (viewer && filter.membership && this.maxAccess(viewer, project) < accessLevels.guest) return false;
      if (filter.minAccessLevel !== undefined) {
        if (!viewer || this.maxAccess(viewer, project) < filter.minAccessLevel) return false;
      }
      if (filter.visibility && project.visibility !== filter.visibility) return false;
      const projectTopics = project.topics.map((topic) => topic.toLowerCase());
      if (!topics.every((topic) => projectTopics.includes(topic))) return false;
      if (search) {
        const haystack = [project.name, project.path, project.description ?? ""];
        if (filter.searchNamespaces) haystack.push(project.fullPath);
        if (!haystack.some((text) => text.toLowerCase().includes(search))) return false;
      }
      return true;
    });
    return sortProjects(matches, filter.orderBy ?? "created_at", filter.sort ?? "desc", search);
  }

  /** `members/all`: direct and inherited members, each once at their highest level; minimal access excluded. */
  membersAll(project: Project): Member[] {
    const highest = new Map<number, MemberLevel>();
    const consider = (members: ReadonlyMap<number, MemberLevel>) => {
      for (const [userId, level] of members) {
        if (level < accessLevels.guest) continue;
        if ((highest.get(userId) ?? 0) < level) highest.set(userId, level);
      }
    };
    consider(project.members);
    if (project.namespace.kind === "group") {
      for (const group of this.groupChain(project.namespace.group)) consider(group.members);
    }
    return [...highest]
      .sort(([a], [b]) => a - b)
      .map(([userId, accessLevel]) => ({ user: this.#usersById.get(userId)!, accessLevel }));
  }

  /** `POST /projects/:id/members`: false when the user is a direct member already. */
  addProjectMember(project: Project, user: User, level: MemberLevel): boolean {
    if (project.members.has(user.id)) return false;
    project.members.set(user.id, level);
    return true;
  }

  /** `DELETE /projects/:id/members/:user_id`: direct memberships only; false when there is none. */
  removeProjectMember(project: Project, user: User): boolean {
    return project.members.delete(user.id);
  }

  /** Groups for the OIDC claims: direct memberships, and all groups reached through them (subgroups inherit). */
  groupsOf(user: User): { direct: Group[]; all: Group[]; directAt: (level: MemberLevel) => Group[] } {
    const direct = this.groups.filter((group) => group.members.has(user.id));
    const all = this.groups.filter((group) =>
      this.groupChain(group).some((link) => {
        const level = link.members.get(user.id);
        return level !== undefined && (link === group || level >= accessLevels.guest);
      }),
    );
    const byPath = (a: Group, b: Group) => a.fullPath.localeCompare(b.fullPath);
    return {
      direct: direct.sort(byPath),
      all: all.sort(byPath),
      directAt: (level) => direct.filter((group) => group.members.get(user.id) === level),
    };
  }
}

function sortProjects(
  projects: Project[],
  orderBy: ProjectOrder,
  sort: "asc" | "desc",
  search: string | undefined,
): Project[] {
  const text = (a: string, b: string) => a.localeCompare(b, "en", { sensitivity: "base" });
  const keyed: Record<Exclude<ProjectOrder, "similarity">, (a: Project, b: Project) => number> = {
    id: (a, b) => a.id - b.id,
    name: (a, b) => text(a.name, b.name),
    path: (a, b) => text(a.path, b.path),
    created_at: (a, b) => text(a.createdAt, b.createdAt),
    updated_at: (a, b) => text(a.lastActivityAt, b.lastActivityAt),
    last_activity_at: (a, b) => text(a.lastActivityAt, b.lastActivityAt),
    star_count: (a, b) => a.starCount - b.starCount,
  };
  const direction = sort === "asc" ? 1 : -1;
  if (orderBy === "similarity" && search) {
    // GitLab ranks by trigram similarity; exact, then prefix, then substring matches approximate it.
    const rank = (project: Project) => {
      const name = project.name.toLowerCase();
      return name === search ? 0 : name.startsWith(search) ? 1 : 2;
    };
    return [...projects].sort((a, b) => rank(a) - rank(b) || b.id - a.id);
  }
  const compare = keyed[orderBy === "similarity" ? "created_at" : orderBy];
  // GitLab breaks ties on id in the same direction.
  return [...projects].sort((a, b) => direction * (compare(a, b) || a.id - b.id));
}
