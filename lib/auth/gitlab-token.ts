import { openAccountToken, sealAccountTokens, type AccountIdentity, type TokenColumn } from "@/lib/crypto/account-tokens";
import { TokenUnreadableError } from "@/lib/crypto/token-cipher";
import { db } from "@/lib/db/client";
import { GitLabTokenError, refreshGitLabToken } from "@/lib/gitlab/oauth";
import { logger } from "@/lib/logger";
import { hubTokenKeyring } from "./token-keys";

/** Refresh a minute early so a token never expires between our check and GitLab's. */
const EARLY_REFRESH_SECONDS = 60;

export interface GitLabAccess {
  token: string;
  /** Epoch ms from which the token will be refreshed (and GitLab then revokes it); undefined: it does not expire. */
  refreshAt?: number;
}

// GitLab invalidates a refresh token once used: two concurrent refreshes for one
// account would leave the loser signed out, so they share one in-flight refresh —
// across the gateway's and Next's module instances too, hence globalThis.
const IN_FLIGHT = Symbol.for("mlflow-hub.gitlab-token-refreshes");
const holder = globalThis as { [IN_FLIGHT]?: Map<string, Promise<GitLabAccess>> };
const inFlight = (holder[IN_FLIGHT] ??= new Map());

/**
 * A stored token in plaintext (sealed, or from before encryption, which the next write seals).
 * One that no configured key opens means "sign in again", never an error page; the log names
 * the account, the column and the key id, never the value.
 */
function openStored(account: AccountIdentity & { id: string }, column: TokenColumn, stored: string): string {
  try {
    return openAccountToken(hubTokenKeyring(), account, column, stored).value;
  } catch (e) {
    if (!(e instanceof TokenUnreadableError)) throw e;
    logger().warn({ accountId: account.id, column, keyId: e.keyId, reason: e.message }, "a stored GitLab token could not be decrypted: the user must sign in again");
    throw new GitLabTokenError("the stored GitLab token could not be decrypted");
  }
}

const refreshAt = (expiresAt: number | null | undefined) => (expiresAt ? (expiresAt - EARLY_REFRESH_SECONDS) * 1000 : undefined);

/**
 * The signed-in user's GitLab access token, refreshed first when it is about
 * to expire. Throws GitLabTokenError when the user must sign in again.
 */
export async function gitlabAccessToken(userId: string): Promise<string> {
  return (await gitlabAccess(userId)).token;
}

/** The token and when it stops being the current one: whoever caches it must not keep it past then. */
export async function gitlabAccess(userId: string): Promise<GitLabAccess> {
  const account = await db().account.findFirst({ where: { userId, provider: "gitlab" } });
  if (!account?.access_token) throw new GitLabTokenError("no GitLab account linked to this session");
  const now = Math.floor(Date.now() / 1000);
  if (!account.expires_at || account.expires_at > now + EARLY_REFRESH_SECONDS) {
    return { token: openStored(account, "access_token", account.access_token), refreshAt: refreshAt(account.expires_at) };
  }
  if (!account.refresh_token) throw new GitLabTokenError("the GitLab token expired and cannot be refreshed");
  const storedRefreshToken = account.refresh_token;

  const pending = inFlight.get(account.id);
  if (pending) return pending;
  const refresh = (async () => {
    const refreshToken = openStored(account, "refresh_token", storedRefreshToken);
    const tokens = await refreshGitLabToken(refreshToken);
    const issuedAt = tokens.created_at ?? Math.floor(Date.now() / 1000);
    const expiresAt = tokens.expires_in ? issuedAt + tokens.expires_in : null;
    await db().account.update({
      where: { id: account.id },
      data: sealAccountTokens(hubTokenKeyring(), account, {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token ?? refreshToken,
        expires_at: expiresAt,
      }),
    });
    return { token: tokens.access_token, refreshAt: refreshAt(expiresAt) };
  })().finally(() => inFlight.delete(account.id));
  inFlight.set(account.id, refresh);
  return refresh;
}
