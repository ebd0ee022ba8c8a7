/** What a page shows when a dependency it needs is down: the reason, and that retrying is the fix. */
export function Unavailable({ what }: { what: string }) {
  return (
    <main>
      <section className="card" role="alert" data-testid="unavailable">
        <h1>Temporarily unavailable</h1>
        <p>{what}</p>
        <p className="lead">Nothing was lost. Try again in a moment; the hub recovers by itself when the service is back.</p>
      </section>
    </main>
  );
}
