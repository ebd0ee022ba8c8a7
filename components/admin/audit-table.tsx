import Link from "next/link";
import { RelativeTime } from "@/components/ui/time";
import { projectHref } from "@/lib/dashboard/project-url";
import type { AuditRow } from "@/server/admin/audit";

export function AuditTable({ rows }: { rows: AuditRow[] }) {
  if (!rows.length) return <p className="empty">No audit event matches these filters.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Audit events" className="audit">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">User</th>
            <th scope="col">Project</th>
            <th scope="col">Request</th>
            <th scope="col">Action</th>
            <th scope="col">Outcome</th>
            <th scope="col" className="num">
              Status
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-audit-id={r.id} data-outcome={r.outcome}>
              <td className="nowrap">
                <RelativeTime ms={r.time.getTime()} />
              </td>
              <td>
                {r.username ?? r.user?.name ?? r.user?.email ?? <span className="muted" title="A token caller: the gateway records no name for it">—</span>}
                {r.token ? <div className="muted small">{r.token}</div> : null}
              </td>
              <td>
                {r.projectPath ? <Link href={projectHref(r.projectPath)}>{r.projectPath}</Link> : r.projectId ? `#${r.projectId}` : <span className="muted">—</span>}
              </td>
              <td>
                <code className="route">
                  {r.method} {r.route}
                </code>
                {r.detail ? <div className="muted small">{r.detail}</div> : null}
              </td>
              <td>{r.action}</td>
              <td>
                <span className={`badge outcome-${r.outcome}`}>{r.outcome}</span>
              </td>
              <td className="num">{r.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
