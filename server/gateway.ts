import { LRUCache } from "lru-cache";
import type { Logger } from "pino";
import { gitlabAccess } from "@/lib/auth/gitlab-token";
import { signInPath } from "@/lib/auth/sign-in-path";
import { endHubSession } from "@/lib/auth/stale-session";
import { config } from "@/lib/config";
import { db } from "@/lib/db/client";
import { createAuditSink } from "@/lib/gateway/audit";
import { unavailable } from "@/lib/gateway/errors";
import { createGateway, type SessionIdentity } from "@/lib/gateway/handler";
import { createLimits } from "@/lib/gateway/limits";
import { matchRoute } from "@/lib/gateway/routes";
import { createWorkspaceEnsurer } from "@/lib/gateway/workspaces";
import { GitLabTokenError } from "@/lib/gitlab/oauth";
import { revocations } from "@/lib/revocation/shared";
import { createDirectStore } from "@/lib/s3/direct-store";
import { hashToken } from "@/lib/tokens/format";
import { sharedAccessResolver } from "@/server/access";

/** The gateway wired to this hub's configuration, database and GitLab. */
export function hubGateway(log: Logger) {
  const c = config();
  const ttlMs = Math.max(1, c.PROJECT_CACHE_TIMEOUT) * 1000;

  // A session's token is looked up once per TTL, not on every request the stock UI makes.
  const sessionTtlMs = Math.min(ttlMs, 30_000);
  const sessions = new LRUCache<string, SessionIdentity | false>({ max: 10_000, ttl: sessionTtlMs });
  const sessionKey = hashToken;
  // A session that ended on any hub process (sign-out, a refused grant) is dropped here at once.
  // A look-up that was under way when a revocation came may have read the row before it went:
  // it answers its own request and is not kept.
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
  async function resolveSession(sessionToken: string): Promise<SessionIdentity | undefined> {
    const key = sessionKey(sessionToken);
    const cached = sessions.get(key);
    if (cached !== undefined) return cached || undefined;
    const asked = revoked;
    let identity: SessionIdentity | false = false;
    let session: { userId: string; expires: Date } | null;
    try {
      session = await db().session.findUnique({ where: { sessionToken }, select: { userId: true, expires: true } });
    } catch {
      throw unavailable("The hub's database");
    }
    let ttl: number | undefined;
    if (session && session.expires > new Date()) {
      try {
        const { token, refreshAt } = await gitlabAccess(session.userId);
        identity = { userId: session.userId, token };
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

  const audit = createAuditSink(
    (rows) => db().auditEvent.createMany({ data: rows }),
    (e, dropped) => log.error({ err: e, dropped }, "audit events could not be written"),
  );

  return createGateway({
    mlflowUrl: c.MLFLOW_URL,
    deleteFloor: c.DELETE_MIN_ACCESS_LEVEL,
    matchRoute,
    access: sharedAccessResolver(),
    resolveSession,
    ensureWorkspace: createWorkspaceEnsurer(c.MLFLOW_URL).ensure,
    audit,
    log,
    // endHubSession tells every hub process, this one included, to drop the session.
    endSession: endHubSession,
    signInUrl: signInPath,
    sessionCached: (sessionToken) => sessions.has(sessionKey(sessionToken)),
    limits: createLimits({
      maxRequests: c.GATEWAY_MAX_REQUESTS,
      maxRequestsPerClient: c.GATEWAY_MAX_REQUESTS_PER_CLIENT,
      lookupsPerMinute: c.GATEWAY_LOOKUPS_PER_MINUTE,
      authFailuresPerMinute: c.GATEWAY_AUTH_FAILURES_PER_MINUTE,
      trustedProxies: c.TRUSTED_PROXIES,
    }),
    idleTimeoutMs: c.GATEWAY_IDLE_TIMEOUT * 1000,
    hubOrigin: new URL(c.AUTH_URL).origin,
    directStore: c.S3_PUBLIC_URL
      ? createDirectStore({ internalUrl: c.S3_ENDPOINT, publicUrl: c.S3_PUBLIC_URL, bucket: c.S3_BUCKET, region: c.S3_REGION, accessKey: c.S3_ACCESS_KEY, secretKey: c.S3_SECRET_KEY })
      : undefined,
  });
}
