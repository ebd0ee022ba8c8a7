"use client";

import { useState } from "react";
import { ConfirmDialog } from "./confirm-dialog";
import { MutationError } from "./mutation-error";

interface DeleteActionProps {
  /** Button text, e.g. "Delete version 3". */
  label: string;
  title: string;
  children: React.ReactNode;
  remove: () => Promise<unknown>;
  onDeleted?: () => void;
}

/** A delete button that asks first; the refusal or failure stays in the dialog. */
export function DeleteAction({ label, title, children, remove, onDeleted }: DeleteActionProps) {
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<Error | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await remove();
      setOpen(false);
      onDeleted?.();
    } catch (e) {
      setError(e as Error);
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <button type="button" className="danger small" onClick={() => (setError(null), setOpen(true))}>
        {label}
      </button>
      {open ? (
        <ConfirmDialog title={title} confirmLabel="Delete" pendingLabel="Deleting…" pending={pending} error={<MutationError error={error} />} onConfirm={confirm} onClose={() => setOpen(false)}>
          {children}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
