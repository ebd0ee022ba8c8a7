import { db } from "@/lib/db/client";

/**
 * Ends a hub session whose GitLab token GitLab refused (a revoked grant, a GitLab that forgot
 * its tokens) or that can no longer be refreshed: its row is deleted, so the cookie signs
 * nobody in again, here or on another replica.
 */
export async function endHubSession(sessionToken: string): Promise<void> {
  await db().session.deleteMany({ where: { sessionToken } });
}
