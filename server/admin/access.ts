import "server-only";
import { notFound } from "next/navigation";
import { cache } from "react";
import { auth } from "@/auth";
import { adminVia, createIdentityCache, IdentityRefused, type AdminVia } from "@/lib/admin/admins";
import { gitlabAccessToken } from "@/lib/auth/gitlab-token";
import { config } from "@/lib/config";
import { gitlabCalls } from "@/lib/gateway/metrics";
import { currentGitLabUser, GitLabApiError } from "@/lib/gitlab/api";
import { logger } from "@/lib/logger";

export interface AdminViewer {
  userId: string;
  name: string;
  image?: string;
  username: string;
  via: AdminVia;
  /** The admin's GitLab token: stays on the server. */
  token: string;
}

/** While GitLab is unreachable, an admin recognised this recently still gets in (the health page matters most then). */
const OUTAGE_GRACE_MS = 10 * 60_000;

const KEY = Symbol.for("mlflow-hub.admin-identities");
type Holder = { [KEY]?: ReturnType<typeof createIdentityCache> };

function identities() {
  const holder = globalThis as Holder;
  holder[KEY] ??= createIdentityCache({
    ttlMs: config().PROJECT_CACHE_TIMEOUT * 1000,
    graceMs: OUTAGE_GRACE_MS,
    lookup: async (token) => {
      try {
        const user = await currentGitLabUser(token);
        gitlabCalls.labels("user", "200").inc();
        return user;
      } catch (e) {
        if (!(e instanceof GitLabApiError)) throw e;
        gitlabCalls.labels("user", String(e.status)).inc();
        throw e.status < 500 ? new IdentityRefused(e.message) : e;
      }
    },
  });
  return holder[KEY];
}

/**
 * The viewer when they administer this hub, else null: signed out, not an
 * admin, a GitLab grant that no longer works, or GitLab unreachable with no
 * recent answer. Once per request.
 */
export const adminViewer = cache(async (): Promise<AdminViewer | null> => {
  const session = await auth();
  if (!session?.user?.id) return null;
  try {
    const token = await gitlabAccessToken(session.user.id);
    const identity = await identities().get(session.user.id, token);
    const via = identity && adminVia(identity, config().HUB_ADMINS);
    if (!identity || !via) return null;
    return { userId: session.user.id, name: session.user.name ?? identity.username, image: session.user.image ?? undefined, username: identity.username, via, token };
  } catch (e) {
    // Still a not-found for the viewer; the log says why an admin may have been turned away.
    logger().warn({ err: (e as Error).message, userId: session.user.id }, "admin check failed");
    return null;
  }
});

/**
 * Every admin page, route and action starts here. Anyone else — signed in or
 * not — gets the hub's ordinary not-found page: a "forbidden", or a sign-in
 * redirect that a made-up URL would not get, would tell them the page exists.
 */
export async function requireAdmin(): Promise<AdminViewer> {
  const admin = await adminViewer();
  if (!admin) notFound();
  return admin;
}
