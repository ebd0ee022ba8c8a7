import { db } from "@/lib/db/client";
import { GitLabTokenError, refreshGitLabToken } from "@/lib/gitlab/oauth";

/** Refresh a minute early so a token never expires between our check and GitLab's. */
const EARLY_REFRESH_SECONDS = 60;

// GitLab invalidates a refresh token once used: two concurrent refreshes for one
// account would leave the loser signed out, so they share one in-flight refresh.
const inFlight = new Map<string, Promise<string>>();

/**
 * The signed-in user's GitLab access token, refreshed first when it is about
 * to expire. Throws GitLabTokenError when the user must sign in again.
 */
export async function gitlabAccessToken(userId: string): Promise<string> {
  const account = await db().account.findFirst({ where: { userId, provider: "gitlab" } });
  if (!account?.access_token) throw new GitLabTokenError("no GitLab account linked to this session");
  const now = Math.floor(Date.now() / 1000);
  if (!account.expires_at || account.expires_at > now + EARLY_REFRESH_SECONDS) return account.access_token;
  if (!account.refresh_token) throw new GitLabTokenError("the GitLab token expired and cannot be refreshed");

  const pending = inFlight.get(account.id);
  if (pending) return pending;
  const refresh = (async () => {
    const tokens = await refreshGitLabToken(account.refresh_token!);
    const issuedAt = tokens.created_at ?? Math.floor(Date.now() / 1000);
    await db().account.update({
      where: { id: account.id },
      data: {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token ?? account.refresh_token,
        expires_at: tokens.expires_in ? issuedAt + tokens.expires_in : null,
      },
    });
    return tokens.access_token;
  })().finally(() => inFlight.delete(account.id));
  inFlight.set(account.id, refresh);
  return refresh;
}
