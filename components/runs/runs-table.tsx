"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type RowSelectionState } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo, useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { projectHref } from "@/lib/dashboard/project-url";
import {
  FIRST_PAGE,
  FIXED_COLUMNS,
  PAGE_SIZES,
  columnKeys,
  currentToken,
  nextPage,
  nextSort,
  previousPage,
  searchRequest,
  sortable,
  splitDataColumn,
  type ColumnId,
  type PageSize,
  type PageStack,
} from "@/lib/dashboard/runs-table";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import type { Run } from "@/lib/mlflow-api/types";
import { ColumnPicker } from "./column-picker";
import { CompareBar } from "./compare-bar";
import { Pager } from "./pager";
import { QueryError } from "./query-error";
import { RunCell } from "./run-cell";
import { RunsFilter } from "./runs-filter";
import { useTableUrl } from "./use-table-url";

/**
 * One experiment's runs, one page at a time: MLflow sorts, filters and pages
 * (an experiment may hold 10,000 runs); the table only lays out the page.
 */
export function RunsTable({ experimentId }: { experimentId: string }) {
  const project = useProject();
  const mlflow = useMlflow();
  const [state, setState] = useTableUrl();
  // Page tokens belong to one query: a new filter, order or size starts again at page 1.
  const queryKey = JSON.stringify([state.filter.trim(), state.sort, state.pageSize]);
  const [paging, setPaging] = useState<{ key: string; stack: PageStack }>({ key: queryKey, stack: FIRST_PAGE });
  const pages = paging.key === queryKey ? paging.stack : FIRST_PAGE;
  const setPages = (stack: PageStack) => setPaging({ key: queryKey, stack });
  const [selection, setSelection] = useState<RowSelectionState>({});

  const request = searchRequest(experimentId, state, currentToken(pages));
  const query = useQuery({
    queryKey: ["runs", project.id, request],
    queryFn: () => mlflow.searchRuns(request),
    placeholderData: keepPreviousData,
  });
  const filterError = query.error instanceof MlflowApiError && query.error.status === 400 ? query.error.message : undefined;
  const runs = useMemo(() => (filterError ? [] : (query.data?.runs ?? [])), [query.data, filterError]);
  const keys = useMemo(() => columnKeys(runs), [runs]);

  const columns = useMemo<ColumnDef<Run>[]>(() => {
    const data: { id: ColumnId; label: string }[] = [
      ...FIXED_COLUMNS.map((c) => ({ id: c.id as ColumnId, label: c.label })),
      ...state.columns.map((id) => ({ id, label: splitDataColumn(id)!.key })),
    ];
    return [
      {
        id: "select",
        header: ({ table }) => (
          <input
            type="checkbox"
            aria-label="Select every run on this page"
            checked={table.getIsAllRowsSelected()}
            ref={(el) => {
              if (el) el.indeterminate = table.getIsSomeRowsSelected();
            }}
            onChange={table.getToggleAllRowsSelectedHandler()}
          />
        ),
        cell: ({ row }) => <input type="checkbox" aria-label={`Select run ${row.original.info.run_name || row.original.info.run_id}`} checked={row.getIsSelected()} onChange={row.getToggleSelectedHandler()} />,
      },
      ...data.map(
        (c): ColumnDef<Run> => ({
          id: c.id,
          header: c.label,
          meta: { kind: splitDataColumn(c.id)?.kind },
          cell: ({ row }) => <RunCell run={row.original} column={c.id} projectPath={project.path} />,
        }),
      ),
    ];
  }, [state.columns, project.path]);

  const table = useReactTable({
    data: runs,
    columns,
    getRowId: (r) => r.info.run_id,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualFiltering: true,
    manualPagination: true,
    enableRowSelection: true,
    state: { rowSelection: selection, sorting: [{ id: state.sort.column, desc: state.sort.desc }] },
    onRowSelectionChange: setSelection,
  });

  const selected = Object.keys(selection).filter((id) => selection[id]);
  const hasFilter = state.filter.trim() !== "";

  return (
    <div className="runs-table">
      <div className="runs-toolbar">
        <RunsFilter value={state.filter} error={filterError} onApply={(filter) => setState({ ...state, filter })} />
        <div className="runs-toolbar-row">
          <ColumnPicker params={keys.params} metrics={keys.metrics} chosen={state.columns} onChange={(cols) => setState({ ...state, columns: cols })} />
          <label className="inline">
            Rows per page{" "}
            <select value={state.pageSize} onChange={(e) => setState({ ...state, pageSize: Number(e.target.value) as PageSize })}>
              {PAGE_SIZES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <CompareBar projectPath={project.path} selected={selected} onClear={() => setSelection({})} />
        </div>
      </div>

      {query.isPending ? (
        <p className="loading" role="status">
          Loading runs…
        </p>
      ) : query.isError && !filterError ? (
        <QueryError error={query.error} what="the runs" />
      ) : runs.length === 0 ? (
        filterError ? null : hasFilter ? (
          <p className="empty">No run matches this filter.</p>
        ) : pages.length > 1 ? (
          <p className="empty">No more runs.</p>
        ) : (
          <p className="empty">
            No runs in this experiment yet. <Link href={projectHref(project.path, "snippet")}>Log one</Link>.
          </p>
        )
      ) : (
        <div className="table-scroll" aria-busy={query.isFetching}>
          <table aria-label="Runs" className={query.isPlaceholderData ? "stale" : undefined}>
            <thead>
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => {
                    const id = header.column.id as ColumnId;
                    const canSort = header.column.id !== "select" && sortable(id);
                    const active = state.sort.column === id;
                    const kind = (header.column.columnDef.meta as { kind?: string } | undefined)?.kind;
                    return (
                      <th key={header.id} scope="col" aria-sort={active ? (state.sort.desc ? "descending" : "ascending") : undefined} className={kind ? `data-col ${kind}` : undefined} data-column={id}>
                        {canSort ? (
                          <button type="button" className="sort" onClick={() => setState({ ...state, sort: nextSort(state.sort, id) })} title={`Sort by ${String(header.column.columnDef.header)}`}>
                            {flexRender(header.column.columnDef.header, header.getContext())}
                            <span aria-hidden="true" className="sort-mark">
                              {active ? (state.sort.desc ? " ↓" : " ↑") : ""}
                            </span>
                          </button>
                        ) : (
                          flexRender(header.column.columnDef.header, header.getContext())
                        )}
                      </th>
                    );
                  })}
                </tr>
              ))}
            </thead>
            <tbody>
              {table.getRowModel().rows.map((row) => (
                <tr key={row.id} data-run-id={row.id} aria-selected={row.getIsSelected()}>
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className={cell.column.id.startsWith("m.") || cell.column.id === "duration" || cell.column.id === "start_time" ? "num" : undefined} data-column={cell.column.id}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {(pages.length > 1 || query.data?.next_page_token) && !filterError ? (
        <Pager
          label="Run pages"
          page={pages.length}
          hasNext={Boolean(query.data?.next_page_token)}
          busy={query.isFetching}
          onPrevious={() => setPages(previousPage(pages))}
          onNext={() => query.data?.next_page_token && setPages(nextPage(pages, query.data.next_page_token))}
        />
      ) : null}
    </div>
  );
}
