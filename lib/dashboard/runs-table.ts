import type { Run, RunInfo } from "@/lib/mlflow-api/types";

/**
 * The runs table's logic, apart from React: which columns exist, what a cell
 * holds, how a sort becomes MLflow's order_by, and how the table's state lives
 * in the URL. Sorting, filtering and paging all happen in MLflow (an experiment
 * may hold 10,000 runs; the browser only ever holds one page of them).
 */

/** Columns every run has. `orderBy` is MLflow's attribute, absent when MLflow cannot sort by it. */
export const FIXED_COLUMNS = [
  { id: "run_name", label: "Run", orderBy: "attributes.run_name" },
  { id: "status", label: "Status", orderBy: "attributes.status" },
  { id: "start_time", label: "Started", orderBy: "attributes.start_time" },
  { id: "duration", label: "Duration", orderBy: undefined },
  { id: "user_id", label: "User", orderBy: "attributes.user_id" },
] as const;
export type FixedColumnId = (typeof FIXED_COLUMNS)[number]["id"];

/** A chosen param or metric column: `p.<key>` or `m.<key>` (keys may hold dots, spaces, colons and slashes, never commas). */
export type DataColumnId = `p.${string}` | `m.${string}`;
export type ColumnId = FixedColumnId | DataColumnId;

export const PAGE_SIZES = [25, 50, 100] as const;
export type PageSize = (typeof PAGE_SIZES)[number];

export interface Sort {
  column: ColumnId;
  desc: boolean;
}

/** MLflow's own default order: newest first. */
export const DEFAULT_SORT: Sort = { column: "start_time", desc: true };

export interface RunsTableState {
  filter: string;
  sort: Sort;
  columns: DataColumnId[];
  pageSize: PageSize;
}

export const paramColumn = (key: string): DataColumnId => `p.${key}`;
export const metricColumn = (key: string): DataColumnId => `m.${key}`;

export function splitDataColumn(id: string): { kind: "param" | "metric"; key: string } | undefined {
  if (id.length < 3 || id[1] !== ".") return undefined;
  if (id[0] === "p") return { kind: "param", key: id.slice(2) };
  if (id[0] === "m") return { kind: "metric", key: id.slice(2) };
  return undefined;
}

const isFixed = (id: string): id is FixedColumnId => FIXED_COLUMNS.some((c) => c.id === id);

/** The param and metric keys present in these runs, each sorted: what the column picker offers. */
export function columnKeys(runs: readonly Run[]): { params: string[]; metrics: string[] } {
  const params = new Set<string>();
  const metrics = new Set<string>();
  for (const run of runs) {
    for (const p of run.data.params ?? []) params.add(p.key);
    for (const m of run.data.metrics ?? []) metrics.add(m.key);
  }
  const byName = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });
  return { params: [...params].sort(byName), metrics: [...metrics].sort(byName) };
}

/** A run's duration, or undefined while it has not ended. */
export function runDuration(info: RunInfo, now?: number): number | undefined {
  if (!info.start_time) return undefined;
  const end = info.end_time ?? (info.status === "RUNNING" && now !== undefined ? now : undefined);
  return end === undefined ? undefined : Math.max(0, end - info.start_time);
}

export type Cell = { kind: "text"; value: string } | { kind: "number"; value: number } | { kind: "time"; value: number } | { kind: "missing" };

const MISSING: Cell = { kind: "missing" };

/** What one cell of the table shows for a run. Metrics are the latest value MLflow reports for the run. */
export function cellValue(run: Run, column: ColumnId): Cell {
  const { info, data } = run;
  switch (column) {
    case "run_name":
      return { kind: "text", value: info.run_name || info.run_id };
    case "status":
      return { kind: "text", value: info.status };
    case "start_time":
      return info.start_time ? { kind: "time", value: info.start_time } : MISSING;
    case "duration": {
      const d = runDuration(info);
      return d === undefined ? MISSING : { kind: "number", value: d };
    }
    case "user_id":
      return info.user_id ? { kind: "text", value: info.user_id } : MISSING;
  }
  const data_ = splitDataColumn(column);
  if (data_?.kind === "param") {
    const p = data.params?.find((x) => x.key === data_.key);
    return p ? { kind: "text", value: p.value } : MISSING;
  }
  if (data_?.kind === "metric") {
    const m = data.metrics?.find((x) => x.key === data_.key);
    return m ? { kind: "number", value: m.value } : MISSING;
  }
  return MISSING;
}

/** Whether MLflow can sort by this column (duration is computed here, MLflow cannot order by it). */
export const sortable = (column: ColumnId) => (isFixed(column) ? FIXED_COLUMNS.find((c) => c.id === column)!.orderBy !== undefined : splitDataColumn(column) !== undefined);

/** The sort as MLflow's order_by clause, e.g. metrics.`rmse` ASC; keys are backquoted (they may hold spaces and dots). */
export function orderByClause(sort: Sort): string | undefined {
  const dir = sort.desc ? "DESC" : "ASC";
  if (isFixed(sort.column)) {
    const attr = FIXED_COLUMNS.find((c) => c.id === sort.column)!.orderBy;
    return attr ? `${attr} ${dir}` : undefined;
  }
  const data = splitDataColumn(sort.column);
  if (!data) return undefined;
  return `${data.kind === "metric" ? "metrics" : "params"}.\`${data.key}\` ${dir}`;
}

/**
 * The filter as sent to MLflow: the user's text unchanged but for surrounding
 * whitespace. MLflow parses it and its own error message is what the user sees.
 */
export function filterForSearch(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed;
}

/** The search-runs request for one page of the table. */
export function searchRequest(experimentId: string, state: RunsTableState, pageToken: string | undefined) {
  const orderBy = orderByClause(state.sort);
  return {
    experiment_ids: [experimentId],
    filter: filterForSearch(state.filter),
    order_by: orderBy ? [orderBy] : undefined,
    max_results: state.pageSize,
    page_token: pageToken,
  };
}

const isPageSize = (n: number): n is PageSize => (PAGE_SIZES as readonly number[]).includes(n);

/** Reads the table's state from the page's query (?filter=&sort=&desc=&cols=&size=); anything malformed falls back to the default. */
export function stateFromQuery(q: URLSearchParams): RunsTableState {
  const columns = (q.get("cols") ?? "")
    .split(",")
    .filter((c): c is DataColumnId => splitDataColumn(c) !== undefined);
  const sortColumn = q.get("sort");
  const sort: Sort =
    sortColumn && (isFixed(sortColumn) || splitDataColumn(sortColumn)) && sortable(sortColumn as ColumnId)
      ? { column: sortColumn as ColumnId, desc: q.get("desc") !== "0" }
      : DEFAULT_SORT;
  const size = Number(q.get("size"));
  return { filter: q.get("filter") ?? "", sort, columns: [...new Set(columns)], pageSize: isPageSize(size) ? size : 25 };
}

/** The query that reproduces this state; defaults are left out so links stay short. */
export function queryFromState(state: RunsTableState): URLSearchParams {
  const q = new URLSearchParams();
  if (state.filter.trim()) q.set("filter", state.filter.trim());
  if (state.sort.column !== DEFAULT_SORT.column || state.sort.desc !== DEFAULT_SORT.desc) {
    q.set("sort", state.sort.column);
    q.set("desc", state.sort.desc ? "1" : "0");
  }
  if (state.columns.length) q.set("cols", state.columns.join(","));
  if (state.pageSize !== 25) q.set("size", String(state.pageSize));
  return q;
}

/** Clicking a column header: a new column sorts descending first for metrics and times, ascending for names; the same column flips. */
export function nextSort(current: Sort, column: ColumnId): Sort {
  if (current.column === column) return { column, desc: !current.desc };
  const descFirst = column === "start_time" || splitDataColumn(column)?.kind === "metric";
  return { column, desc: descFirst };
}

/**
 * Pages as MLflow gives them: each answer carries the token of the next page
 * only. The stack holds the token of every page shown so far (the first page
 * has none), so "previous" is a pop and "next" a push.
 */
export type PageStack = readonly (string | undefined)[];
export const FIRST_PAGE: PageStack = [undefined];
export const currentToken = (stack: PageStack) => stack[stack.length - 1];
export const nextPage = (stack: PageStack, token: string): PageStack => [...stack, token];
export const previousPage = (stack: PageStack): PageStack => (stack.length > 1 ? stack.slice(0, -1) : stack);

/** Runs to compare: 2 to 10. */
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 10;
export const canCompare = (n: number) => n >= COMPARE_MIN && n <= COMPARE_MAX;
