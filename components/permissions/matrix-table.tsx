"use client";

import { useProject } from "@/components/project/context";
import { viewerRow, type PermissionMatrix } from "./matrix";

/** Rows are roles, columns the gateway's actions; the viewer's own row is marked. */
export function MatrixTable({ matrix }: { matrix: PermissionMatrix }) {
  const { accessLevel } = useProject();
  const mine = viewerRow(accessLevel);
  return (
    <>
      <div className="table-scroll">
        <table className="matrix" aria-label="Role × action permissions" data-testid="permission-matrix">
          <thead>
            <tr>
              <th scope="col">Role</th>
              {matrix.columns.map((c) => (
                <th scope="col" key={c.action} data-action={c.action}>
                  {c.title}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.rows.map((row) => (
              <tr key={row.key} data-row={row.key} data-role={row.label} className={row.key === mine ? "mine" : undefined} aria-current={row.key === mine ? "true" : undefined}>
                <th scope="row">
                  {row.label}
                  {row.key === mine ? <span className="badge you">you</span> : null}
                </th>
                {matrix.columns.map((c) => {
                  const cell = row.cells[c.action];
                  return (
                    <td key={c.action} data-action={c.action} data-allowed={cell.allow} className={cell.allow ? "yes" : "no"} title={cell.refusal}>
                      <span aria-hidden="true">{cell.allow ? "✓" : "✕"}</span>
                      <span className="visually-hidden">{cell.allow ? "allowed" : "not allowed"}</span>
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="matrix-legend">
        {matrix.columns.map((c) => (
          <div key={c.action} data-action={c.action}>
            <dt>
              {c.title} <span className="muted">({c.minRole} or higher)</span>
            </dt>
            <dd>{c.description}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
