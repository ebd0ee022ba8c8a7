import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { safeReturnPath } from "@/lib/dashboard/safe-return";
import { signInWithGitLab } from "../actions";

export const dynamic = "force-dynamic";

export default async function SignIn({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; reason?: string }> }) {
  const { callbackUrl, reason } = await searchParams;
  const returnTo = safeReturnPath(callbackUrl);
  const session = await auth();
  if (session?.user && reason !== "expired") redirect(returnTo);
  return (
    <main>
      <section className="card">
        <h1>Sign in to MLflow Hub</h1>
        <p className="lead">Your GitLab account decides which projects you see and what you may do in them.</p>
        {reason === "expired" ? (
          <p className="notice" role="alert">
            Your GitLab session has ended: sign in again.
          </p>
        ) : null}
        <form action={signInWithGitLab}>
          <input type="hidden" name="callbackUrl" value={returnTo} />
          <button className="primary" type="submit">
            Sign in with GitLab
          </button>
        </form>
      </section>
    </main>
  );
}
