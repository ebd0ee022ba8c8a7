import type { RunInfo } from "@/lib/mlflow-api/types";

const TONE: Record<RunInfo["status"], string> = { FINISHED: "ok", FAILED: "bad", KILLED: "bad", RUNNING: "running", SCHEDULED: "running" };

/** A run's status as a word with a colour (the word carries the meaning, the colour only helps). */
export function RunStatus({ status }: { status: RunInfo["status"] }) {
  return <span className={`status ${TONE[status] ?? ""}`}>{status.charAt(0) + status.slice(1).toLowerCase()}</span>;
}
