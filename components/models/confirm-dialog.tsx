"use client";

import { useEffect, useId, useRef } from "react";
import { createPortal } from "react-dom";

const FOCUSABLE = "button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])";

interface ConfirmDialogProps {
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  pendingLabel?: string;
  pending?: boolean;
  /** Shown inside the dialog, so a refusal is read where the decision was made. */
  error?: React.ReactNode;
  onConfirm: () => void;
  onClose: () => void;
}

/**
 * A modal confirmation for destructive actions: labelled by its title, focus
 * starts on the harmless choice and cannot leave the dialog, Escape cancels, and
 * focus returns to whatever opened it.
 */
export function ConfirmDialog({ title, children, confirmLabel, pendingLabel, pending = false, error, onConfirm, onClose }: ConfirmDialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const bodyId = useId();
  const close = useRef(onClose);
  close.current = pending ? () => undefined : onClose;

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    ref.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    const focusables = () => [...(ref.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])].filter((el) => !el.hasAttribute("disabled"));
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        close.current();
        return;
      }
      if (e.key !== "Tab") return;
      const all = focusables();
      if (all.length === 0) return;
      const first = all[0];
      const last = all[all.length - 1];
      const inside = ref.current?.contains(document.activeElement);
      if (e.shiftKey && (document.activeElement === first || !inside)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (document.activeElement === last || !inside)) {
        e.preventDefault();
        first.focus();
      }
    };
    // Focus that escapes anyway (a click on the backdrop, a screen reader's jump) is brought back.
    const onFocusIn = (e: FocusEvent) => {
      if (ref.current && e.target instanceof Node && !ref.current.contains(e.target)) focusables()[0]?.focus();
    };
    document.addEventListener("keydown", onKeyDown);
    document.addEventListener("focusin", onFocusIn);
    return () => {
      document.removeEventListener("keydown", onKeyDown);
      document.removeEventListener("focusin", onFocusIn);
      opener?.focus();
    };
  }, []);

  return createPortal(
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && close.current()}>
      <div role="dialog" aria-modal="true" aria-labelledby={titleId} aria-describedby={bodyId} className="dialog" ref={ref}>
        <h2 id={titleId}>{title}</h2>
        <div id={bodyId}>{children}</div>
        {error}
        <div className="dialog-actions">
          <button type="button" data-autofocus onClick={() => close.current()} disabled={pending}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={onConfirm} disabled={pending}>
            {pending ? (pendingLabel ?? `${confirmLabel}…`) : confirmLabel}
          </button>
        </div>
      </div>
    </div>,
    document.body,
  );
}
