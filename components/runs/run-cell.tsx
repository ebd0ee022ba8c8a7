"use client";

import Link from "next/link";
import { RelativeTime } from "@/components/ui/time";
import { formatDuration, formatNumber } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";
import { cellValue, splitDataColumn, type ColumnId } from "@/lib/dashboard/runs-table";
import type { Run } from "@/lib/mlflow-api/types";
import { RunStatus } from "./run-status";

/** One cell of the runs table, formatted for what it holds. */
export function RunCell({ run, column, projectPath }: { run: Run; column: ColumnId; projectPath: string }) {
  const cell = cellValue(run, column);
  if (cell.kind === "missing") return <span className="muted">—</span>;
  switch (column) {
    case "run_name":
      return <Link href={projectHref(projectPath, "runs", run.info.run_id)}>{cell.kind === "text" ? cell.value : run.info.run_id}</Link>;
    case "status":
      return <RunStatus status={run.info.status} />;
    case "start_time":
      return <RelativeTime ms={cell.kind === "time" ? cell.value : undefined} />;
    case "duration":
      return <>{cell.kind === "number" ? formatDuration(cell.value) : null}</>;
  }
  if (cell.kind === "number" && splitDataColumn(column)?.kind === "metric") return <span title={String(cell.value)}>{formatNumber(cell.value)}</span>;
  return <>{String(cell.value)}</>;
}
