import { LRUCache } from "lru-cache";
import { gitlabAccess } from "@/lib/auth/gitlab-token";
import { config } from "@/lib/config";
import { db } from "@/lib/db/client";
import { unavailable } from "@/lib/gateway/errors";
import type { SessionIdentity } from "@/lib/gateway/handler";
import { GitLabTokenError } from "@/lib/gitlab/oauth";
import { revocations } from "@/lib/revocation/shared";
import { hashToken } from "@/lib/tokens/format";

export interface SessionResolver {
  /** The session's user and GitLab token; undefined when the session is unknown, expired or its grant refused. */
  resolve(sessionToken: string): Promise<SessionIdentity | undefined>;
  /** Whether `resolve` would answer without the database. */
  cached(sessionToken: string): boolean;
  forget(sessionToken: string): void;
}

const KEY = Symbol.for("mlflow-hub.session-resolver");
type Holder = { [KEY]?: SessionResolver };

/**
 * Turns the hub's session cookie into its user's GitLab token, as the gateway and the STAC API
 * both need it. One instance per process (on globalThis: the gateway bundle and Next's are
 * separate module instances), so a session is looked up once per TTL between them.
 */
export function sharedSessions(): SessionResolver {
  const holder = globalThis as Holder;
  holder[KEY] ??= createSessionResolver();
  return holder[KEY];
}

function createSessionResolver(): SessionResolver {
  const ttlMs = Math.max(1, config().PROJECT_CACHE_TIMEOUT) * 1000;
  // A session's token is looked up once per TTL, not on every request the stock UI makes.
  const sessionTtlMs = Math.min(ttlMs, 30_000);
  const sessions = new LRUCache<string, SessionIdentity | false>({ max: 10_000, ttl: sessionTtlMs });
  const sessionKey = hashToken;
  // A session that ended on any hub process (sign-out, a refused grant) is dropped here at once
  // (lib/revocation/). A look-up that was under way when a revocation came may have read the row
  // before it went: it answers its own request and is not kept.
  let revoked = 0;
  revocations().on((r) => {
    if (r.kind === "session") {
      revoked++;
      sessions.delete(r.hash);
    } else if (r.kind === "all") {
      revoked++;
      sessions.clear();
    }
  });

  async function resolve(sessionToken: string): Promise<SessionIdentity | undefined> {
    const key = sessionKey(sessionToken);
    const cached = sessions.get(key);
    if (cached !== undefined) return cached || undefined;
    const asked = revoked;
    let identity: SessionIdentity | false = false;
    let session: { userId: string; expires: Date; user: { username: string | null } } | null;
    try {
      session = await db().session.findUnique({ where: { sessionToken }, select: { userId: true, expires: true, user: { select: { username: true } } } });
    } catch {
      throw unavailable("The hub's database");
    }
    let ttl: number | undefined;
    if (session && session.expires > new Date()) {
      try {
        const { token, refreshAt } = await gitlabAccess(session.userId);
        identity = { userId: session.userId, username: session.user.username ?? undefined, token };
        // Once the token is refreshed (by the dashboard or by us) GitLab revokes it: never hold it past that.
        if (refreshAt !== undefined) ttl = Math.max(1, Math.min(sessionTtlMs, refreshAt - Date.now()));
      } catch (e) {
        // A refused refresh means "sign in again"; anything else is GitLab (or the token store) being unreachable.
        if (!(e instanceof GitLabTokenError)) throw unavailable("GitLab");
      }
    }
    if (revoked === asked) sessions.set(key, identity, ttl === undefined ? undefined : { ttl });
    return identity || undefined;
  }

  return {
    resolve,
    cached: (sessionToken) => sessions.has(sessionKey(sessionToken)),
    forget: (sessionToken) => void sessions.delete(sessionKey(sessionToken)),
  };
}
