import { db } from "@/lib/db/client";
import { revokeSession } from "@/lib/revocation/shared";

/**
 * Ends a hub session whose GitLab token GitLab refused (a revoked grant, a GitLab that forgot
 * its tokens) or that can no longer be refreshed: its row is deleted, so the cookie signs
 * nobody in again, and every hub process drops it from its session cache at once.
 */
export async function endHubSession(sessionToken: string): Promise<void> {
  try {
    await db().session.deleteMany({ where: { sessionToken } });
  } finally {
    await revokeSession(sessionToken);
  }
}
