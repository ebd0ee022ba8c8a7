import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { auth } from "@/auth";
import { gitlabAccessToken } from "@/lib/auth/gitlab-token";
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
 * → sign-in again; GitLab unreachable → GitLabUnavailable (its own page).
 */
export const requireViewer = cache(async (returnTo: string): Promise<Viewer> => {
  const session = await auth();
  const signIn = `/signin?callbackUrl=${encodeURIComponent(returnTo)}`;
  if (!session?.user?.id) redirect(signIn);
  let token: string;
  try {
    token = await gitlabAccessToken(session.user.id);
  } catch (e) {
    if (e instanceof GitLabTokenError) redirect(`${signIn}&reason=expired`);
    throw new DashboardUnavailable("GitLab is unreachable: your GitLab session could not be checked.");
  }
  return { userId: session.user.id, name: session.user.name ?? "", email: session.user.email ?? undefined, image: session.user.image ?? undefined, token };
});
