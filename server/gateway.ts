import type { Logger } from "pino";
import { signInPath } from "@/lib/auth/sign-in-path";
import { endHubSession } from "@/lib/auth/stale-session";
import { config } from "@/lib/config";
import { db } from "@/lib/db/client";
import { createAuditSink } from "@/lib/gateway/audit";
import { createGateway } from "@/lib/gateway/handler";
import { createBudgetStore } from "@/lib/gateway/budget-store";
import { createLimits } from "@/lib/gateway/limits";
import { matchRoute } from "@/lib/gateway/routes";
import { createWorkspaceEnsurer } from "@/lib/gateway/workspaces";
import { createDirectStore } from "@/lib/s3/direct-store";
import { sharedAccessResolver } from "@/server/access";
import { sharedServing } from "@/server/serving";
import { sharedSessions } from "@/server/sessions";
import { stacCatalog } from "@/server/stac/catalog";

/**
 * The gateway wired to this hub's configuration, database and GitLab; `flushAudit` writes the
 * audit rows still buffered (a stopping process calls it, so no replica's rows are lost).
 */
export function hubGateway(log: Logger) {
  const c = config();
  const sessions = sharedSessions();
  const serving = sharedServing();

  const audit = createAuditSink(
    (rows) => db().auditEvent.createMany({ data: rows }),
    (e, dropped) => log.error({ err: e, dropped }, "audit events could not be written"),
  );

  const gateway = createGateway({
    mlflowUrl: c.MLFLOW_URL,
    deleteFloor: c.DELETE_MIN_ACCESS_LEVEL,
    matchRoute,
    access: sharedAccessResolver(),
    resolveSession: sessions.resolve,
    ensureWorkspace: createWorkspaceEnsurer(c.MLFLOW_URL).ensure,
    audit,
    log,
    onWrite: (workspace, { route, status }) => {
      stacCatalog().changed(workspace);
      // Once MLflow accepted it: a registry write may have moved an alias an endpoint follows.
      if (status !== undefined && status < 400) serving?.manager.changed(Number(workspace.slice("gitlab-".length)), route);
    },
    serving,
    endSession: async (sessionToken) => {
      sessions.forget(sessionToken);
      await endHubSession(sessionToken);
    },
    signInUrl: signInPath,
    sessionCached: sessions.cached,
    limits: createLimits({
      maxRequests: c.GATEWAY_MAX_REQUESTS,
      maxRequestsPerClient: c.GATEWAY_MAX_REQUESTS_PER_CLIENT,
      lookupsPerMinute: c.GATEWAY_LOOKUPS_PER_MINUTE,
      authFailuresPerMinute: c.GATEWAY_AUTH_FAILURES_PER_MINUTE,
      trustedProxies: c.TRUSTED_PROXIES,
      // The per-minute budgets are the fleet's, through Postgres (docs/scaling.md); in-flight caps stay this process's.
      shared: {
        store: createBudgetStore((sql, ...values) => db().$queryRawUnsafe(sql, ...values)),
        onSyncError: budgetSyncFailed(log),
      },
    }),
    idleTimeoutMs: c.GATEWAY_IDLE_TIMEOUT * 1000,
    hubOrigin: new URL(c.AUTH_URL).origin,
    directStore: c.S3_PUBLIC_URL
      ? createDirectStore({ internalUrl: c.S3_ENDPOINT, publicUrl: c.S3_PUBLIC_URL, bucket: c.S3_BUCKET, region: c.S3_REGION, accessKey: c.S3_ACCESS_KEY, secretKey: c.S3_SECRET_KEY })
      : undefined,
  });
  return Object.assign(gateway, { flushAudit: audit.flush });
}

/** Logs a failing budget sync once a minute, not once a second: the limits hold per replica meanwhile. */
function budgetSyncFailed(log: Logger) {
  let lastLogged = 0;
  return (err: unknown) => {
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    log.warn({ err }, "the gateway's budgets could not be shared with the other replicas; each replica counts its own until the database answers");
  };
}
