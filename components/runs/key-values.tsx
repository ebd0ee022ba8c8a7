import type { KeyValue } from "@/lib/mlflow-api/types";

/** A two-column key/value table (params, tags); long values wrap instead of widening the page. */
export function KeyValues({ items, label, empty, testId }: { items: readonly KeyValue[]; label: string; empty: string; testId?: string }) {
  if (!items.length) return <p className="empty">{empty}</p>;
  return (
    <div className="table-scroll">
      <table aria-label={label} className="kv" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {items.map((kv) => (
            <tr key={kv.key}>
              <th scope="row">{kv.key}</th>
              <td className="value">{kv.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
