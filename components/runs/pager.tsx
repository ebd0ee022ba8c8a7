"use client";

/** Previous/next over MLflow's page tokens; MLflow gives no total, so pages are counted, not totalled. */
export function Pager({ page, hasNext, onPrevious, onNext, busy, label }: { page: number; hasNext: boolean; onPrevious: () => void; onNext: () => void; busy?: boolean; label: string }) {
  return (
    <nav className="runs-pager" aria-label={label}>
      <button type="button" onClick={onPrevious} disabled={page <= 1 || busy}>
        Previous
      </button>
      <span className="muted" aria-live="polite">
        Page {page}
      </span>
      <button type="button" onClick={onNext} disabled={!hasNext || busy}>
        Next
      </button>
    </nav>
  );
}
