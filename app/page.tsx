import Link from "next/link";
import { auth } from "@/auth";
import { signInAgain } from "@/lib/auth/sign-in-again";
import { ProjectList } from "@/components/projects/project-list";
import { SiteHeader } from "@/components/site-header";
import { Unavailable } from "@/components/unavailable";
import { listHref, parseListParams } from "@/lib/dashboard/project-list";
import { currentGitLabUser, GitLabApiError, type GitLabUser } from "@/lib/gitlab/api";
import { listViewerProjects } from "@/server/dashboard/projects";
import { DashboardUnavailable, requireViewer } from "@/server/dashboard/viewer";
import { signInWithGitLab } from "./actions";

export const dynamic = "force-dynamic";

function Landing() {
  return (
    <main>
      <section className="card">
        <h1>MLflow Hub</h1>
        <p className="lead">A private MLflow for every GitLab project, with access following your GitLab role.</p>
        <p>
          <a href="/api/stac">STAC catalog of models</a> (public projects; sign in or send a token to see yours)
        </p>
        <form action={signInWithGitLab}>
          <button className="primary" type="submit">
            Sign in with GitLab
          </button>
        </form>
      </section>
    </main>
  );
}

async function gitlabIdentity(token: string): Promise<GitLabUser | { error: string; rejected: boolean }> {
  try {
    return await currentGitLabUser(token);
  } catch (e) {
    return { error: (e as Error).message, rejected: e instanceof GitLabApiError && e.status === 401 };
  }
}

/** Signed out: the way in. Signed in: who you are and your projects. */
export default async function Home({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await auth();
  if (!session?.user) return <Landing />;
  const params = parseListParams(await searchParams);
  let viewer;
  try {
    viewer = await requireViewer(listHref(params));
  } catch (e) {
    if (e instanceof DashboardUnavailable) return <Unavailable what={e.message} />;
    throw e;
  }
  const [identity, listing] = await Promise.all([gitlabIdentity(viewer.token), listViewerProjects(viewer, params)]);
  if (("error" in identity && identity.rejected) || listing.kind === "rejected") return signInAgain(listHref(params));
  return (
    <>
      <SiteHeader user={viewer} />
      <main className="wide">
        <p className="identity">
          Signed in as <strong data-testid="user-name">{viewer.name}</strong>
          {"username" in identity ? <span data-testid="gitlab-username"> (@{identity.username})</span> : null}
          <span aria-hidden="true"> · </span>
          <Link href="/status">Hub status</Link>
          <span aria-hidden="true"> · </span>
          <a href="/api/stac">STAC catalog</a>
        </p>
        {listing.kind === "unavailable" ? (
          <p className="notice" role="alert" data-testid="unavailable">
            {listing.what} Try again in a moment.
          </p>
        ) : listing.kind === "ok" ? (
          <ProjectList rows={listing.rows} hidden={listing.hidden} pagination={listing.pagination} params={params} />
        ) : null}
      </main>
    </>
  );
}
