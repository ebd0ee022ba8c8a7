"use client";

import { useActionState } from "react";
import { runGcNow, type RunGcState } from "@/app/admin/gc/actions";

/** A request nobody claimed after this long means the worker is not running. */
const UNCLAIMED_MS = 60_000;

/** Asks for a garbage collection now; disabled while one is waiting or running. */
export function GcRunButton({ active, waitingMs }: { active: boolean; waitingMs?: number }) {
  const [state, action, pending] = useActionState<RunGcState>(runGcNow, {});
  return (
    <form action={action} className="gc-run">
      <button type="submit" className="primary" disabled={pending || active} aria-describedby="gc-run-status">
        {pending ? "Requesting…" : "Run now"}
      </button>
      <span id="gc-run-status" role="status" className="muted small">
        {!active ? (state.message ?? "") : waitingMs !== undefined && waitingMs > UNCLAIMED_MS ? "Still waiting for the garbage collector: is the mlflow-gc service running?" : "A run is in progress; this page follows it."}
      </span>
    </form>
  );
}
