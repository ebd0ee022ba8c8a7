"use client";

import { useEffect, useId, useState } from "react";

const EXAMPLE = "metrics.rmse < 1 and params.alpha = '0.5'";

/** The filter box: MLflow's own search syntax, applied on Enter; MLflow's complaint shows right under it. */
export function RunsFilter({ value, error, onApply }: { value: string; error?: string; onApply: (filter: string) => void }) {
  const [draft, setDraft] = useState(value);
  const id = useId();
  useEffect(() => setDraft(value), [value]);
  return (
    <form
      role="search"
      className="runs-filter"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(draft);
      }}
    >
      <label htmlFor={`${id}-input`}>Filter</label>
      <input
        id={`${id}-input`}
        type="text"
        spellCheck={false}
        autoComplete="off"
        placeholder={EXAMPLE}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
      />
      <button type="submit">Apply</button>
      {value ? (
        <button type="button" onClick={() => onApply("")}>
          Clear
        </button>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="error-inline filter-error" role="alert" data-testid="filter-error">
          {error}
        </p>
      ) : (
        <p id={`${id}-hint`} className="muted small filter-hint">
          MLflow search syntax, e.g. <code>{EXAMPLE}</code>
        </p>
      )}
    </form>
  );
}
