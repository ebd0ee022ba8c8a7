import type { DependencyHealth } from "@/lib/health";

export function HealthTable({ dependencies }: { dependencies: DependencyHealth[] }) {
  return (
    <table aria-label="Dependency health">
      <thead>
        <tr>
          <th scope="col">Dependency</th>
          <th scope="col">Status</th>
          <th scope="col">Latency</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {dependencies.map((d) => (
          <tr key={d.name} data-dependency={d.name} data-ok={d.ok}>
            <th scope="row">{d.name}</th>
            <td className={`status ${d.ok ? "ok" : "bad"}`}>{d.ok ? "● Healthy" : "● Unavailable"}</td>
            <td className="num">{d.latencyMs.toLocaleString("en")} ms</td>
            <td>{d.detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
