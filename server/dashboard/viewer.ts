import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { auth } from "@/auth";
import { gitlabAccessToken } from "@/lib/auth/gitlab-token";
import { signInAgain } from "@/lib/auth/sign-in-again";
import { signInPath } from "@/lib/auth/sign-in-path";
import { GitLabTokenError } from "@/lib/gitlab/oauth";

export interface Viewer {
  userId: string;
  name: string;
  email?: string;
  image?: string;
  /** The viewer's GitLab token: stays on the server. */
  token: string;
}

/** GitLab (or the hub's token store) cannot be reached: shown as its own page, never as "no access". */
export class DashboardUnavailable extends Error {
  override name = "DashboardUnavailable";
}

/**
 * The signed-in user and their GitLab token, once per request. No session →
 * sign-in, coming back to `returnTo`; a GitLab grant that no longer refreshes
 * → the session ended and sign-in again; GitLab unreachable → DashboardUnavailable (its own page).
 */
export const requireViewer = cache(async (returnTo: string): Promise<Viewer> => {
  const session = await auth();
  if (!session?.user?.id) redirect(signInPath(returnTo));
  let token: string;
  try {
    token = await gitlabAccessToken(session.user.id);
  } catch (e) {
    if (e instanceof GitLabTokenError) return signInAgain(returnTo);
    throw new DashboardUnavailable("GitLab is unreachable: your GitLab session could not be checked.");
  }
  return { userId: session.user.id, name: session.user.name ?? "", email: session.user.email ?? undefined, image: session.user.image ?? undefined, token };
});
