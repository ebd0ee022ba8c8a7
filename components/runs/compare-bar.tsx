"use client";

import Link from "next/link";
import { formatCount } from "@/lib/dashboard/format";
import { compareHref } from "@/lib/dashboard/runs-compare";
import { COMPARE_MAX, COMPARE_MIN, canCompare } from "@/lib/dashboard/runs-table";

/** How many runs are selected, and the way to compare them once there are 2 to 10. */
export function CompareBar({ projectPath, selected, onClear }: { projectPath: string; selected: string[]; onClear: () => void }) {
  const n = selected.length;
  return (
    <div className="compare-bar" aria-live="polite">
      <span className="muted">{n ? `${formatCount(n)} selected` : `Select ${COMPARE_MIN}–${COMPARE_MAX} runs to compare`}</span>
      {canCompare(n) ? (
        <Link className="button primary" href={compareHref(projectPath, selected)}>
          Compare {n} runs
        </Link>
      ) : n > COMPARE_MAX ? (
        <span className="error-inline small">At most {COMPARE_MAX}.</span>
      ) : null}
      {n ? (
        <button type="button" onClick={onClear}>
          Clear selection
        </button>
      ) : null}
    </div>
  );
}
