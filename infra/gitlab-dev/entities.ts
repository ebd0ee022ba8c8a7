/**
 * GitLab API v4 representations (lib/api/entities/*): field names and shapes as GitLab sends them,
 * filled from the fixture. Fields GitLab sends that the fixture does not model carry GitLab's
 * values for a fresh instance (empty strings, zero counts, null dates).
 */
import type { Group, Job, Member, MemberLevel, PersonalAccessToken, Project, User, World } from "./world.ts";

/** GitLab's "global" notification level, what a membership has until the user changes it. */
const globalNotificationLevel = 3;

export function userBasic(user: User, base: string) {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: "active",
    locked: false,
    avatar_url: user.avatarUrl,
    web_url: `${base}/${user.username}`,
  };
}

function userPublicProfile(user: User, base: string) {
  return {
    ...userBasic(user, base),
    created_at: user.createdAt,
    bio: "",
    location: "",
    public_email: user.publicEmail,
    linkedin: "",
    twitter: "",
    discord: "",
    website_url: "",
    organization: "",
    job_title: "",
    pronouns: null,
    bot: false,
    work_information: null,
    local_time: null,
  };
}

/** GET /user: the caller's own profile; `is_admin` appears only for admins. */
export function currentUser(user: User, base: string) {
  return {
    ...userPublicProfile(user, base),
    last_sign_in_at: null,
    confirmed_at: user.createdAt,
    last_activity_on: null,
    email: user.email,
    theme_id: 3,
    color_scheme_id: 1,
    projects_limit: 100000,
    current_sign_in_at: null,
    identities: [],
    can_create_group: true,
    can_create_project: true,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: user.email,
    ...(user.admin ? { is_admin: true } : {}),
  };
}

export function personalAccessTokenEntity(token: PersonalAccessToken, active: boolean) {
  return {
    id: token.id,
    name: token.name,
    revoked: token.revoked,
    created_at: token.createdAt,
    description: token.description,
    scopes: token.scopes,
    user_id: token.user.id,
    last_used_at: null,
    active,
    expires_at: token.expiresAt,
  };
}

function namespaceOf(project: Project, base: string) {
  if (project.namespace.kind === "user") {
    const { user } = project.namespace;
    return {
      id: user.namespaceId,
      name: user.name,
      path: user.username,
      kind: "user",
      full_path: user.username,
      parent_id: null,
      avatar_url: user.avatarUrl,
      web_url: `${base}/${user.username}`,
    };
  }
  const { group } = project.namespace;
  return {
    id: group.id,
    name: group.name,
    path: group.path,
    kind: "group",
    full_path: group.fullPath,
    parent_id: group.parent?.id ?? null,
    avatar_url: null,
    web_url: `${base}/groups/${group.fullPath}`,
  };
}

function namespaceNames(world: World, project: Project): string[] {
  if (project.namespace.kind === "user") return [project.namespace.user.name];
  return world
    .groupChain(project.namespace.group)
    .reverse()
    .map((group: Group) => group.name);
}

/** Entities::BasicProjectDetails — what `simple=true` returns. */
function basicProject(world: World, project: Project, base: string) {
  const host = new URL(base).hostname;
  return {
    id: project.id,
    description: project.description,
    name: project.name,
    name_with_namespace: [...namespaceNames(world, project), project.name].join(" / "),
    path: project.path,
    path_with_namespace: project.fullPath,
    created_at: project.createdAt,
    default_branch: project.defaultBranch,
    tag_list: project.topics,
    topics: project.topics,
    ssh_url_to_repo: `git@${host}:${project.fullPath}.git`,
    http_url_to_repo: `${base}/${project.fullPath}.git`,
    web_url: `${base}/${project.fullPath}`,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: project.starCount,
    last_activity_at: project.lastActivityAt,
    namespace: namespaceOf(project, base),
  };
}

function access(level: MemberLevel | null) {
  return level === null ? null : { access_level: level, notification_level: globalNotificationLevel };
}

export type ProjectView =
  | { style: "simple" }
  | { style: "anonymous" }
  /** `list` shows group_access the way GitLab's project lists do: own group only. */
  | { style: "member" | "list"; viewer: User };

/** Entities::Project, plus `permissions` for signed-in callers (Entities::ProjectWithAccess). */
export function projectEntity(world: World, project: Project, base: string, view: ProjectView) {
  const basic = basicProject(world, project, base);
  if (view.style === "simple") return basic;
  const full = {
    ...basic,
    _links: {
      self: `${base}/api/v4/projects/${project.id}`,
      members: `${base}/api/v4/projects/${project.id}/members`,
    },
    empty_repo: false,
    archived: false,
    visibility: project.visibility,
    ...(project.namespace.kind === "user" ? { owner: userBasic(project.namespace.user, base) } : {}),
    updated_at: project.lastActivityAt,
  };
  if (view.style === "anonymous") return full;
  const groupAccess =
    view.style === "list"
      ? world.listGroupAccess(view.viewer, project)
      : world.groupAccess(view.viewer, project);
  return {
    ...full,
    permissions: {
      project_access: access(world.projectAccess(view.viewer, project)),
      group_access: access(groupAccess),
    },
  };
}

export function memberEntity(member: Member, project: Project, base: string) {
  return {
    ...userBasic(member.user, base),
    access_level: member.accessLevel,
    created_at: project.createdAt,
    expires_at: null,
    membership_state: "active",
  };
}

export function jobEntity(job: Job, base: string, now: Date) {
  const projectUrl = `${base}/${job.project.fullPath}`;
  const author = job.user;
  return {
    id: job.id,
    status: job.status,
    stage: job.stage,
    name: job.name,
    ref: job.ref,
    tag: job.tag,
    coverage: null,
    allow_failure: false,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: null,
    erased_at: null,
    duration: job.startedAt ? (now.getTime() - Date.parse(job.startedAt)) / 1000 : null,
    queued_duration: null,
    user: userPublicProfile(author, base),
    commit: {
      id: job.sha,
      short_id: job.sha.slice(0, 8),
      created_at: job.createdAt,
      parent_ids: [],
      title: job.commitTitle,
      message: job.commitTitle,
      author_name: author.name,
      author_email: author.email,
      authored_date: job.createdAt,
      committer_name: author.name,
      committer_email: author.email,
      committed_date: job.createdAt,
      trailers: {},
      extended_trailers: {},
      web_url: `${projectUrl}/-/commit/${job.sha}`,
    },
    pipeline: {
      id: job.pipelineId,
      iid: job.pipelineId,
      project_id: job.project.id,
      sha: job.sha,
      ref: job.ref,
      status: job.status,
      source: "push",
      created_at: job.createdAt,
      updated_at: job.createdAt,
      web_url: `${projectUrl}/-/pipelines/${job.pipelineId}`,
    },
    web_url: `${projectUrl}/-/jobs/${job.id}`,
    project: { ci_job_token_scope_enabled: true },
    artifacts: [],
    runner: null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: [],
  };
}
