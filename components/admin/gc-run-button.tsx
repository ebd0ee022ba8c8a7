"use client";

import { useActionState } from "react";
import { runGcNow, type RunGcState } from "@/app/admin/gc/actions";

/** Asks for a garbage collection now; disabled while one is waiting or running. */
export function GcRunButton({ active }: { active: boolean }) {
  const [state, action, pending] = useActionState<RunGcState>(runGcNow, {});
  return (
    <form action={action} className="gc-run">
      <button type="submit" className="primary" disabled={pending || active} aria-describedby="gc-run-status">
        {pending ? "Requesting…" : "Run now"}
      </button>
      <span id="gc-run-status" role="status" className="muted small">
        {active ? "A run is in progress; this page follows it." : (state.message ?? "")}
      </span>
    </form>
  );
}
