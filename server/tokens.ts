import "server-only";
import { auth } from "@/auth";
import { gitlabAccessToken } from "@/lib/auth/gitlab-token";
import { config } from "@/lib/config";
import { db } from "@/lib/db/client";
import { GatewayError, notFoundProject, unauthenticated, unavailable } from "@/lib/gateway/errors";
import { currentGitLabUser } from "@/lib/gitlab/api";
import { GitLabTokenError } from "@/lib/gitlab/oauth";
import { logger } from "@/lib/logger";
import { revocations } from "@/lib/revocation/shared";
import { tokenService, type TokenCaller, type TokenService } from "@/lib/tokens/manage";
import { projectTokenStore } from "@/lib/tokens/store";
import { loadProject } from "@/server/dashboard/project";

function service(): TokenService {
  const c = config();
  return tokenService({
    store: projectTokenStore(db()),
    enabled: Boolean(c.GITLAB_SERVICE_TOKEN),
    maxDays: c.PROJECT_TOKEN_MAX_DAYS,
    // Applied here at once, and sent to every other hub process (lib/revocation/).
    forget: (hash) => revocations().publish({ kind: "token", hash }),
    audit: async (row) => {
      await db()
        .auditEvent.create({ data: row })
        .catch((e: unknown) => logger().error({ err: e }, "a project token audit event could not be written"));
    },
  });
}

const json = (status: number, body: unknown) => Response.json(body, { status, headers: { "cache-control": "no-store" } });
const refusal = (e: GatewayError) => json(e.status, JSON.parse(e.body()));

/**
 * Cookie-authenticated writes come only from the hub's own pages: a browser always sends
 * Origin on a POST or DELETE fetch, and another site's is not the hub's.
 */
function crossSite(request: Request): boolean {
  if (request.method === "GET" || request.method === "HEAD") return false;
  return request.headers.get("origin") !== new URL(config().AUTH_URL).origin;
}

async function callerFor(projectIdParam: string): Promise<TokenCaller> {
  const session = await auth();
  if (!session?.user?.id) throw unauthenticated("Sign in to the hub first.");
  const userId = session.user.id;
  let token: string;
  try {
    token = await gitlabAccessToken(userId);
  } catch (e) {
    throw e instanceof GitLabTokenError ? unauthenticated("GitLab no longer accepts your hub session: sign in again.") : unavailable("GitLab");
  }
  const projectId = /^[1-9]\d{0,9}$/.test(projectIdParam) ? Number(projectIdParam) : undefined;
  if (!projectId) throw notFoundProject();
  const found = await loadProject({ userId, name: session.user.name ?? "", token }, projectId);
  if (found.kind === "not-found") throw notFoundProject();
  if (found.kind === "rejected") throw unauthenticated("GitLab no longer accepts your hub session: sign in again.");
  if (found.kind === "unavailable") throw new GatewayError("TEMPORARILY_UNAVAILABLE", found.what);
  return { userId, project: found.project, gitlabUser: () => currentGitLabUser(token) };
}

/**
 * The adapter between the project-token routes and lib/tokens: who is calling (the hub
 * session, the project as the gateway's resolver sees it for them), then the service;
 * refusals are MLflow-shaped JSON like the gateway's.
 */
export async function projectTokensRequest(request: Request, projectIdParam: string, run: (tokens: TokenService, caller: TokenCaller) => Promise<Response>): Promise<Response> {
  if (crossSite(request)) return refusal(new GatewayError("PERMISSION_DENIED", "Project tokens are managed from the hub's own pages only."));
  try {
    return await run(service(), await callerFor(projectIdParam));
  } catch (e) {
    if (e instanceof GatewayError) return refusal(e);
    logger().error({ err: e }, "project token request failed");
    return refusal(new GatewayError("INTERNAL_ERROR", "The hub failed to handle this request."));
  }
}

export { json as tokensJson };
