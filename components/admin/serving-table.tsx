"use client";

import Link from "next/link";
import { useActionState } from "react";
import { RelativeTime } from "@/components/ui/time";
import type { ServingRow } from "@/lib/admin/serving";
import { formatBytes, formatCount } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";

export interface StopEndpointState {
  message?: string;
}
export type StopEndpointAction = (state: StopEndpointState, form: FormData) => Promise<StopEndpointState>;

const STATE_LABEL: Record<ServingRow["state"], string> = { starting: "starting", ready: "ready", failed: "failed", stopped: "stopped", idle: "idle" };

const refLabel = (r: ServingRow) => (r.kind === "alias" ? `@${r.ref.replace(/^@/, "")}` : `version ${r.ref}`);

function Project({ row }: { row: ServingRow }) {
  if (row.project.state === "found") return <Link href={projectHref(row.project.path)}>{row.project.path}</Link>;
  return (
    <>
      <span className="muted">project {row.projectId}</span>{" "}
      {row.project.state === "gone" ? (
        <span className="badge gone">gone from GitLab</span>
      ) : (
        <span className="badge" title={row.project.why}>
          GitLab path unknown
        </span>
      )}
    </>
  );
}

function StopButton({ row, stop }: { row: ServingRow; stop: StopEndpointAction }) {
  const [state, action, pending] = useActionState(stop, {});
  const name = `${row.model} ${refLabel(row)}${row.project.state === "found" ? ` in ${row.project.path}` : ""}`;
  return (
    <form action={action}>
      <input type="hidden" name="endpoint" value={row.id} />
      <button type="submit" className="small" disabled={pending} aria-label={`Stop ${name}`}>
        {pending ? "Stopping…" : "Stop"}
      </button>
      {state.message ? (
        <span role="status" className="muted small">
          {" "}
          {state.message}
        </span>
      ) : null}
    </form>
  );
}

const cpu = (r: ServingRow) => (r.cpuPercent === null ? "—" : `${r.cpuPercent.toFixed(r.cpuPercent < 10 ? 1 : 0)} %`);
const cpuSeconds = (r: ServingRow) => (r.cpuSeconds === null ? "—" : `${r.cpuSeconds.toFixed(1)} s`);

/**
 * Every endpoint of the hub: where it runs, what it serves, its state (a failed one with its last
 * log lines), the runtime's memory and CPU of its instance, its traffic; a Stop for each one running.
 */
export function ServingTable({ rows, stop }: { rows: ServingRow[]; stop: StopEndpointAction }) {
  if (!rows.length) return <p className="empty">No endpoint is deployed in any project.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Endpoints">
        <thead>
          <tr>
            <th scope="col">Project</th>
            <th scope="col">Model</th>
            <th scope="col">Version served</th>
            <th scope="col">State</th>
            <th scope="col" className="num">
              Memory
            </th>
            <th scope="col" className="num" title="Share of one core since the page's previous refresh">
              CPU
            </th>
            <th scope="col" className="num" title="CPU time the instance used since it started">
              CPU time
            </th>
            <th scope="col" className="num" title="Invocations through this hub process since it started">
              Requests
            </th>
            <th scope="col">Deployed</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-endpoint={`${r.projectId}/${r.model}/${r.ref}`} data-state={r.state}>
              <td>
                <Project row={r} />
              </td>
              <td>
                {r.model} <span className="badge alias">{refLabel(r)}</span>
              </td>
              <td data-column="version">
                {r.version ?? "—"}
                {r.rollingTo ? <span className="muted small"> → {r.rollingTo}</span> : null}
              </td>
              <td>
                <span className={`badge state-${r.state}`} data-testid="endpoint-state">
                  {STATE_LABEL[r.state]}
                </span>
                {r.error ? (
                  <details className="endpoint-error" open={r.state === "failed"}>
                    <summary className="error-inline small">{r.error}</summary>
                    {r.log.length ? (
                      <pre className="log" data-testid="endpoint-log">
                        {r.log.join("\n")}
                      </pre>
                    ) : null}
                  </details>
                ) : null}
              </td>
              <td className="num" data-column="memory" title={r.limits ? `Limits: ${r.limits}` : undefined}>
                {r.memoryBytes === null ? "—" : formatBytes(r.memoryBytes)}
              </td>
              <td className="num" data-column="cpu">
                {cpu(r)}
              </td>
              <td className="num" data-column="cpuSeconds">
                {cpuSeconds(r)}
              </td>
              <td className="num" data-column="requests">
                {formatCount(r.requests)}
                {r.meanLatencyMs !== null ? <span className="muted small"> · {r.meanLatencyMs.toFixed(1)} ms</span> : null}
              </td>
              <td className="small" data-column="deployed">
                {r.deployedBy}, <RelativeTime ms={Date.parse(r.deployedAt)} />
              </td>
              <td>{r.state === "stopped" ? null : <StopButton row={r} stop={stop} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
