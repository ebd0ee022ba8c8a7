import Link from "next/link";

// One page for "does not exist" and "you may not see it": the difference is not ours to reveal.
export default function NotFound() {
  return (
    <main>
      <section className="card" data-testid="not-found">
        <h1>Not found</h1>
        <p className="lead">This page does not exist, or your GitLab account has no access to it.</p>
        <p>
          <Link href="/">Back to your projects</Link>
        </p>
      </section>
    </main>
  );
}
