import { config } from "@/lib/config";

/** The least GitLab scopes that work: identity for sign-in, read_api for project roles. */
export const GITLAB_SCOPES = "openid profile email read_user read_api";

export interface GitLabTokenSet {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  created_at?: number;
  token_type?: string;
  scope?: string;
}

export class GitLabTokenError extends Error {
  override name = "GitLabTokenError";
}

/** Trades a refresh token for a new access/refresh pair (GitLab rotates both). */
export async function refreshGitLabToken(refreshToken: string): Promise<GitLabTokenSet> {
  const c = config();
  const res = await fetch(`${c.GITLAB_URL}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: c.GITLAB_CLIENT_ID,
      client_secret: c.GITLAB_CLIENT_SECRET,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new GitLabTokenError(`GitLab refused the refresh token (${res.status})`);
  return (await res.json()) as GitLabTokenSet;
}
