import { auth } from "@/auth";
import { HealthTable } from "@/components/health-table";
import { gitlabAccessToken } from "@/lib/auth/gitlab-token";
import { currentGitLabUser, type GitLabUser } from "@/lib/gitlab/api";
import { checkDependencies } from "@/lib/health";
import { signInWithGitLab, signOutOfHub } from "./actions";

export const dynamic = "force-dynamic";

async function gitlabIdentity(userId: string): Promise<GitLabUser | { error: string }> {
  try {
    return await currentGitLabUser(await gitlabAccessToken(userId));
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export default async function Home() {
  const session = await auth();
  if (!session?.user) {
    return (
      <main>
        <section className="card">
          <h1>MLflow Hub</h1>
          <p className="lead">A private MLflow for every GitLab project, with access following your GitLab role.</p>
          <form action={signInWithGitLab}>
            <button className="primary" type="submit">
              Sign in with GitLab
            </button>
          </form>
        </section>
      </main>
    );
  }

  const [identity, dependencies] = await Promise.all([gitlabIdentity(session.user.id), checkDependencies()]);
  return (
    <>
      <header className="top">
        <span className="brand">MLflow Hub</span>
        <form action={signOutOfHub}>
          <button type="submit">Sign out</button>
        </form>
      </header>
      <main>
        <section className="card" aria-labelledby="you">
          <h2 id="you">Signed in</h2>
          <div className="who">
            {session.user.image ? <img src={session.user.image} alt="" /> : null}
            <div>
              <div>
                Signed in as <strong data-testid="user-name">{session.user.name}</strong>
                {"username" in identity ? <span data-testid="gitlab-username"> (@{identity.username})</span> : null}
              </div>
              {session.user.email ? <div className="lead">{session.user.email}</div> : null}
            </div>
          </div>
          {"error" in identity ? (
            <p className="notice" role="alert">
              GitLab did not accept your session ({identity.error}). Sign out and sign in again.
            </p>
          ) : (
            <dl className="facts">
              <dt>GitLab user</dt>
              <dd>
                <a href={identity.web_url}>@{identity.username}</a> (id {identity.id}){identity.is_admin ? ", instance administrator" : ""}
              </dd>
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
