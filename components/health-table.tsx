import type { ReactNode } from "react";
import type { DependencyHealth } from "@/lib/health";

/** Each dependency's health; the admin page adds a version column. */
export function HealthTable({ dependencies, version }: { dependencies: DependencyHealth[]; version?: (d: DependencyHealth) => ReactNode }) {
  return (
    <div className="table-scroll">
      <table aria-label="Dependency health">
        <thead>
          <tr>
            <th scope="col">Dependency</th>
            <th scope="col">Status</th>
            <th scope="col">Latency</th>
            {version ? <th scope="col">Version</th> : null}
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {dependencies.map((d) => (
            <tr key={d.name} data-dependency={d.name} data-ok={d.ok}>
              <th scope="row">{d.name}</th>
              <td className={`status ${d.ok ? "ok" : "bad"}`}>{d.ok ? "● Healthy" : "● Unavailable"}</td>
              <td className="num">{d.latencyMs.toLocaleString("en")} ms</td>
              {version ? (
                <td className="nowrap" data-testid="dependency-version">
                  {version(d)}
                </td>
              ) : null}
              <td>{d.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
