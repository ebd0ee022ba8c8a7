"use client";

import { useId, useState } from "react";
import { MutationError } from "./mutation-error";

interface DescriptionProps {
  /** What is described, for labels: "model flood-unet", "version 3". */
  subject: string;
  text: string | undefined;
  editable: boolean;
  save: (text: string) => Promise<unknown>;
}

/** A description, with an Edit control for those who may change it; a refusal stays in the editor. */
export function Description({ subject, text, editable, save }: DescriptionProps) {
  const [draft, setDraft] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const fieldId = useId();

  if (draft === null) {
    return (
      <div className="description">
        {text ? <p className="description-text">{text}</p> : <p className="muted">No description.</p>}
        {editable ? (
          <button type="button" className="small" aria-label={`Edit description of ${subject}`} onClick={() => (setError(null), setDraft(text ?? ""))}>
            Edit
          </button>
        ) : null}
      </div>
    );
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    try {
      await save(draft ?? "");
      setDraft(null);
    } catch (err) {
      setError(err as Error);
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="description-form" onSubmit={submit}>
      <label htmlFor={fieldId}>Description of {subject}</label>
      <textarea
        id={fieldId}
        value={draft}
        rows={3}
        autoFocus
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => e.key === "Escape" && !pending && setDraft(null)}
      />
      <MutationError error={error} />
      <div className="row-actions">
        <button type="submit" className="primary small" disabled={pending}>
          {pending ? "Saving…" : "Save"}
        </button>
        <button type="button" className="small" disabled={pending} onClick={() => setDraft(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
