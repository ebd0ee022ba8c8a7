import { db } from "@/lib/db/client";
import { safeReturnPath } from "@/lib/dashboard/safe-return";

/**
 * Where a browser goes to sign in, coming back to `returnTo` (a path inside the hub only).
 * `ended`: the hub ended its session because GitLab no longer accepts its token, which the
 * sign-in page says.
 */
export function signInPath(returnTo: string, ended = false): string {
  return `/signin?callbackUrl=${encodeURIComponent(safeReturnPath(returnTo))}${ended ? "&reason=expired" : ""}`;
}

/**
 * Ends a hub session whose GitLab token GitLab refused (a revoked grant, a GitLab that forgot
 * its tokens) or that can no longer be refreshed: its row is deleted, so the cookie signs
 * nobody in again, here or on another replica.
 */
export async function endHubSession(sessionToken: string): Promise<void> {
  await db().session.deleteMany({ where: { sessionToken } });
}
