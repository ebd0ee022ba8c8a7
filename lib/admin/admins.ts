/** What GitLab's `GET /user` says about the viewer that matters here. */
export interface GitLabIdentity {
  username: string;
  is_admin?: boolean;
}

export type AdminVia = "GitLab administrator" | "HUB_ADMINS";

/**
 * Instance admins are GitLab's own administrators and the usernames HUB_ADMINS
 * lists (lower-cased by the config; GitLab usernames are case-insensitive).
 */
export function adminVia(user: GitLabIdentity, hubAdmins: readonly string[]): AdminVia | null {
  if (user.is_admin === true) return "GitLab administrator";
  if (hubAdmins.includes(user.username.toLowerCase())) return "HUB_ADMINS";
  return null;
}

/** GitLab answered (401, 403, …): the answer stands. Anything else (unreachable, 5xx) is an outage. */
export class IdentityRefused extends Error {
  override name = "IdentityRefused";
}

interface Entry {
  identity: GitLabIdentity;
  at: number;
}

/**
 * GitLab identities per hub user, kept `ttlMs` (PROJECT_CACHE_TIMEOUT) so an
 * admin page costs at most one `GET /user` per user and period. While GitLab is
 * down an answer up to `graceMs` old still stands, so admins keep the health
 * page exactly when they need it; a refusal (revoked token) drops it at once.
 */
export function createIdentityCache(opts: { lookup: (token: string) => Promise<GitLabIdentity>; ttlMs: number; graceMs: number; now?: () => number; max?: number }) {
  const now = opts.now ?? Date.now;
  const max = opts.max ?? 10_000;
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<GitLabIdentity | null>>();

  async function fetchFresh(userId: string, token: string): Promise<GitLabIdentity | null> {
    try {
      const identity = await opts.lookup(token);
      entries.delete(userId);
      if (entries.size >= max) entries.delete(entries.keys().next().value!);
      entries.set(userId, { identity, at: now() });
      return identity;
    } catch (e) {
      if (e instanceof IdentityRefused) {
        entries.delete(userId);
        return null;
      }
      const stale = entries.get(userId);
      if (stale && now() - stale.at <= opts.graceMs) return stale.identity;
      throw e;
    }
  }

  return {
    /** The viewer's identity, or null when GitLab refuses their token; throws while GitLab is unreachable. */
    get(userId: string, token: string): Promise<GitLabIdentity | null> {
      const hit = entries.get(userId);
      if (hit && now() - hit.at < opts.ttlMs) return Promise.resolve(hit.identity);
      let p = pending.get(userId);
      if (!p) {
        p = fetchFresh(userId, token).finally(() => pending.delete(userId));
        pending.set(userId, p);
      }
      return p;
    },
  };
}
