import type { Run } from "@/lib/mlflow-api/types";
import { projectHref } from "./project-url";
import { isRunId } from "./runs-detail";
import { COMPARE_MAX, COMPARE_MIN } from "./runs-table";

/** The compare page for these runs: /projects/<path>/compare?runs=a,b,c */
export const compareHref = (projectPath: string, runIds: readonly string[]) => `${projectHref(projectPath, "compare")}?runs=${runIds.join(",")}`;

export type CompareSelection = { ok: true; ids: string[] } | { ok: false; problem: string; ids: string[] };

/** Reads ?runs=: run ids, each once, 2 to 10 of them. */
export function parseCompareRuns(value: string | null): CompareSelection {
  const ids = [...new Set((value ?? "").split(",").map((s) => s.trim()).filter(Boolean))];
  const bad = ids.filter((id) => !isRunId(id));
  if (bad.length) return { ok: false, problem: `Not a run id: ${bad.join(", ")}`, ids: [] };
  if (ids.length < COMPARE_MIN) return { ok: false, problem: `Choose at least ${COMPARE_MIN} runs to compare.`, ids };
  if (ids.length > COMPARE_MAX) return { ok: false, problem: `Compare at most ${COMPARE_MAX} runs at a time (${ids.length} chosen).`, ids };
  return { ok: true, ids };
}

export interface CompareRow<T> {
  key: string;
  /** One per run, in the runs' order; undefined where a run lacks the key. */
  values: (T | undefined)[];
  differs: boolean;
}

function rows<T>(runs: readonly Run[], entries: (run: Run) => { key: string; value: T }[]): CompareRow<T>[] {
  const keys = new Set<string>();
  const maps = runs.map((run) => {
    const m = new Map<string, T>();
    for (const e of entries(run)) {
      m.set(e.key, e.value);
      keys.add(e.key);
    }
    return m;
  });
  return [...keys]
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }))
    .map((key) => {
      const values = maps.map((m) => m.get(key));
      // A key missing from one run differs from a run that has it.
      const differs = values.some((v) => v !== values[0]);
      return { key, values, differs };
    });
}

/** Params side by side; `differs` when any run's value (or absence) is not the first run's. */
export const paramRows = (runs: readonly Run[]) => rows(runs, (r) => (r.data.params ?? []).map((p) => ({ key: p.key, value: p.value })));

/** Latest metric values side by side. */
export const metricRows = (runs: readonly Run[]) => rows(runs, (r) => (r.data.metrics ?? []).map((m) => ({ key: m.key, value: m.value })));

/** A run's name for legends and headers: its name, or the start of its id. */
export const runLabel = (run: Run) => run.info.run_name || run.info.run_id.slice(0, 8);
