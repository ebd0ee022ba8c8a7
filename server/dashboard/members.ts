import "server-only";
import { config } from "@/lib/config";
import { GitLabApiError } from "@/lib/gitlab/api";
import { roleName } from "@/lib/gateway/permissions";

export interface ProjectMember {
  id: number;
  username: string;
  name: string;
  avatarUrl?: string;
  webUrl?: string;
  accessLevel: number;
  role: string;
}

export interface ProjectMembers {
  members: ProjectMember[];
  /** More members than the page reads (MAX_PAGES × 100): the list is cut short and says so. */
  truncated: boolean;
}

interface GitLabMember {
  id: number;
  username: string;
  name: string;
  avatar_url?: string | null;
  web_url?: string;
  access_level: number;
  membership_state?: string;
}

const PER_PAGE = 100;
const MAX_PAGES = 20;

/**
 * Everyone with a role in the project — direct, inherited from its groups, highest
 * level once per person (GitLab's GET /projects/:id/members/all) — read with the
 * viewer's own token, so GitLab decides what they may see. Highest role first.
 */
export async function projectMembers(token: string, projectId: number): Promise<ProjectMembers> {
  const members: ProjectMember[] = [];
  let page: string | null = "1";
  let pages = 0;
  while (page && pages < MAX_PAGES) {
    const path = `/projects/${projectId}/members/all?per_page=${PER_PAGE}&page=${page}`;
    let res: Response;
    try {
      res = await fetch(`${config().GITLAB_URL}/api/v4${path}`, { headers: { authorization: `Bearer ${token}`, accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
    } catch (e) {
      throw new GitLabApiError(`GitLab is unreachable (${(e as Error).name})`, 503);
    }
    if (!res.ok) {
      await res.arrayBuffer();
      throw new GitLabApiError(`GitLab answered ${res.status} to the project's member list`, res.status);
    }
    for (const m of (await res.json()) as GitLabMember[]) {
      if (m.membership_state && m.membership_state !== "active") continue;
      members.push({ id: m.id, username: m.username, name: m.name, avatarUrl: m.avatar_url ?? undefined, webUrl: m.web_url, accessLevel: m.access_level, role: roleName(m.access_level) });
    }
    pages++;
    page = res.headers.get("x-next-page") || null;
  }
  members.sort((a, b) => b.accessLevel - a.accessLevel || a.name.localeCompare(b.name));
  return { members, truncated: page !== null };
}
