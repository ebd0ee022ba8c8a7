"use client";

import { createColumnHelper, flexRender, getCoreRowModel, getSortedRowModel, useReactTable, type SortingState } from "@tanstack/react-table";
import Link from "next/link";
import { useState } from "react";
import { RelativeTime } from "@/components/ui/time";
import { projectHref } from "@/lib/dashboard/project-url";
import { formatBytes, formatCount } from "@/lib/dashboard/format";
import type { ProjectStats } from "@/server/admin/projects";

const col = createColumnHelper<ProjectStats>();
const pathOf = (p: ProjectStats) => (p.gitlab.state === "found" ? p.gitlab.path : "");

const columns = [
  col.accessor(pathOf, {
    id: "project",
    header: "Project",
    sortingFn: "alphanumeric",
    cell: ({ row: { original: p } }) => (
      <div className="admin-project">
        {p.gitlab.state === "found" ? (
          <Link href={projectHref(p.gitlab.path)}>{p.gitlab.path}</Link>
        ) : p.gitlab.state === "gone" ? (
          <span className="badge gone" title="GitLab answers 404 for this project id: deleted, or not visible to the hub's token">
            gone from GitLab
          </span>
        ) : (
          <span className="badge" title={p.gitlab.why}>
            GitLab path unknown
          </span>
        )}
        <span className="muted small">
          id {p.projectId} · <code>{p.workspace}</code>
        </span>
        {p.error ? (
          <span className="error-inline small" role="note">
            Partial numbers: {p.error}
          </span>
        ) : null}
      </div>
    ),
  }),
  col.accessor("experiments", { header: "Experiments", cell: (c) => formatCount(c.getValue()) }),
  col.accessor("runs", { header: "Runs", cell: (c) => formatCount(c.getValue()) }),
  col.accessor("models", { header: "Models", cell: (c) => formatCount(c.getValue()) }),
  col.accessor("storageBytes", {
    header: "Storage",
    cell: ({ row: { original: p } }) => <span title={`${formatCount(p.storageBytes)} bytes in ${formatCount(p.objects)} objects`}>{formatBytes(p.storageBytes)}</span>,
  }),
  col.accessor((p) => p.lastActivity ?? 0, { id: "lastActivity", header: "Last activity", cell: ({ row: { original: p } }) => <RelativeTime ms={p.lastActivity ?? undefined} /> }),
];

const NUMERIC = new Set(["experiments", "runs", "models", "storageBytes", "lastActivity"]);

/** Every project with a workspace; click a heading (or press Enter on it) to sort. */
export function ProjectsTable({ projects }: { projects: ProjectStats[] }) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "storageBytes", desc: true }]);
  const table = useReactTable({ data: projects, columns, state: { sorting }, onSortingChange: setSorting, getCoreRowModel: getCoreRowModel(), getSortedRowModel: getSortedRowModel(), getRowId: (p) => p.workspace });
  if (!projects.length) return <p className="empty">No project has used MLflow yet: workspaces appear with a project&apos;s first MLflow call.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Projects" className="admin-projects">
        <thead>
          {table.getHeaderGroups().map((g) => (
            <tr key={g.id}>
              {g.headers.map((h) => {
                const sorted = h.column.getIsSorted();
                return (
                  <th key={h.id} scope="col" aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"} className={NUMERIC.has(h.id) ? "num" : undefined}>
                    <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()}>
                      {flexRender(h.column.columnDef.header, h.getContext())}
                      <span aria-hidden="true">{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                    </button>
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((r) => (
            <tr key={r.id} data-project-id={r.original.projectId}>
              {r.getVisibleCells().map((c) => (
                <td key={c.id} className={NUMERIC.has(c.column.id) ? "num" : undefined} data-column={c.column.id}>
                  {flexRender(c.column.columnDef.cell, c.getContext())}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
