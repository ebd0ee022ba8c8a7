import type { Metadata } from "next";
import { HealthTable } from "@/components/health-table";
import { SiteHeader } from "@/components/site-header";
import { Unavailable } from "@/components/unavailable";
import { signInAgain } from "@/lib/auth/sign-in-again";
import { currentGitLabUser, GitLabApiError, type GitLabUser } from "@/lib/gitlab/api";
import { checkDependencies } from "@/lib/health";
import { DashboardUnavailable, requireViewer } from "@/server/dashboard/viewer";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Status" };

async function gitlabIdentity(token: string): Promise<GitLabUser | { error: string; rejected: boolean }> {
  try {
    return await currentGitLabUser(token);
  } catch (e) {
    return { error: (e as Error).message, rejected: e instanceof GitLabApiError && e.status === 401 };
  }
}

/** Who GitLab says you are, and whether each dependency of the hub answers: the first place to look when something is off. */
export default async function Status() {
  let viewer;
  try {
    viewer = await requireViewer("/status");
  } catch (e) {
    if (e instanceof DashboardUnavailable) return <Unavailable what={e.message} />;
    throw e;
  }
  const [identity, dependencies] = await Promise.all([gitlabIdentity(viewer.token), checkDependencies()]);
  if ("error" in identity && identity.rejected) return signInAgain("/status");
  return (
    <>
      <SiteHeader user={viewer}>
        <span aria-hidden="true">/</span>
        <span>Status</span>
      </SiteHeader>
      <main>
        <section className="card" aria-labelledby="you">
          <h1 id="you">Your GitLab account</h1>
          {"error" in identity ? (
            <p className="notice" role="alert">
              GitLab could not tell who you are ({identity.error}). Try again in a moment.
            </p>
          ) : (
            <dl className="facts">
              <dt>GitLab user</dt>
              <dd>
                <a href={identity.web_url}>@{identity.username}</a> (id {identity.id}){identity.is_admin ? ", instance administrator" : ""}
              </dd>
              {viewer.email ? (
                <>
                  <dt>E-mail</dt>
                  <dd>{viewer.email}</dd>
                </>
              ) : null}
            </dl>
          )}
        </section>
        <section className="card" aria-labelledby="health">
          <h2 id="health">Health</h2>
          <HealthTable dependencies={dependencies} />
        </section>
      </main>
    </>
  );
}
