"use client";

/** A failure inside an admin page (the hub's database down, say) keeps the admin tabs around it. */
export default function AdminError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <section className="card" role="alert">
      <h1>This page could not be built</h1>
      <p className="lead">{error.digest ? `The hub logged the cause (digest ${error.digest}).` : error.message}</p>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </section>
  );
}
