"use client";

import { metricColumn, paramColumn, type DataColumnId } from "@/lib/dashboard/runs-table";

/**
 * Which params and metrics get a column. Offers the keys seen in the runs on
 * screen, plus any already chosen (a linked view may name a key this page lacks).
 */
export function ColumnPicker({ params, metrics, chosen, onChange }: { params: string[]; metrics: string[]; chosen: DataColumnId[]; onChange: (columns: DataColumnId[]) => void }) {
  const chosenSet = new Set<string>(chosen);
  const keysOf = (prefix: "m." | "p.", seen: string[]) => [...new Set([...seen, ...chosen.filter((c) => c.startsWith(prefix)).map((c) => c.slice(2))])].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const toggle = (id: DataColumnId) => onChange(chosenSet.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const group = (legend: string, keys: string[], idOf: (k: string) => DataColumnId) => (
    <fieldset>
      <legend>{legend}</legend>
      {keys.length === 0 ? (
        <p className="muted small">None in these runs.</p>
      ) : (
        keys.map((k) => {
          const id = idOf(k);
          return (
            <label key={id} className="check">
              <input type="checkbox" checked={chosenSet.has(id)} onChange={() => toggle(id)} />
              {k}
            </label>
          );
        })
      )}
    </fieldset>
  );
  return (
    <details className="column-picker">
      <summary>Columns{chosen.length ? ` (${chosen.length})` : ""}</summary>
      <div className="column-picker-body" role="group" aria-label="Param and metric columns">
        {group("Metrics", keysOf("m.", metrics), metricColumn)}
        {group("Params", keysOf("p.", params), paramColumn)}
      </div>
    </details>
  );
}
