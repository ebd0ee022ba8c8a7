import { describe, expect, it } from "vitest";
import type { Run } from "@/lib/mlflow-api/types";
import {
  DEFAULT_SORT,
  FIRST_PAGE,
  canCompare,
  cellValue,
  columnKeys,
  currentToken,
  filterForSearch,
  metricColumn,
  nextPage,
  nextSort,
  orderByClause,
  paramColumn,
  previousPage,
  queryFromState,
  runDuration,
  searchRequest,
  sortable,
  stateFromQuery,
} from "./runs-table";

function run(id: string, over: Partial<Run["info"]> = {}, data: Run["data"] = {}): Run {
  return { info: { run_id: id, experiment_id: "7", status: "FINISHED", lifecycle_stage: "active", ...over }, data };
}

describe("runs table columns", () => {
  it("offers every param and metric key seen in the loaded runs, once each, sorted naturally", () => {
    const runs = [
      run("a", {}, { params: [{ key: "lr", value: "0.1" }], metrics: [{ key: "rmse", value: 1, step: 0, timestamp: 0 }, { key: "loss 10", value: 2, step: 0, timestamp: 0 }] }),
      run("b", {}, { params: [{ key: "alpha", value: "0.5" }, { key: "lr", value: "0.2" }], metrics: [{ key: "loss 9", value: 3, step: 0, timestamp: 0 }] }),
      run("c"),
    ];
    expect(columnKeys(runs)).toEqual({ params: ["alpha", "lr"], metrics: ["loss 9", "loss 10", "rmse"] });
  });

  it("shows a metric's latest value and a param's string, and marks what a run lacks", () => {
    const r = run("a", {}, { params: [{ key: "alpha", value: "0.5" }], metrics: [{ key: "val/rmse", value: 0.25, step: 9, timestamp: 5 }] });
    expect(cellValue(r, metricColumn("val/rmse"))).toEqual({ kind: "number", value: 0.25 });
    expect(cellValue(r, paramColumn("alpha"))).toEqual({ kind: "text", value: "0.5" });
    expect(cellValue(r, metricColumn("alpha"))).toEqual({ kind: "missing" });
    expect(cellValue(r, paramColumn("missing"))).toEqual({ kind: "missing" });
  });

  it("names an unnamed run by its id and computes duration only for runs that ended", () => {
    expect(cellValue(run("abc"), "run_name")).toEqual({ kind: "text", value: "abc" });
    expect(cellValue(run("a", { start_time: 1000, end_time: 4500 }), "duration")).toEqual({ kind: "number", value: 3500 });
    expect(cellValue(run("a", { start_time: 1000, status: "RUNNING" }), "duration")).toEqual({ kind: "missing" });
    expect(runDuration({ run_id: "a", experiment_id: "1", status: "RUNNING", lifecycle_stage: "active", start_time: 1000 }, 3000)).toBe(2000);
  });
});

describe("sorting through MLflow's order_by", () => {
  it("maps attribute columns to MLflow attributes and data columns to backquoted keys", () => {
    expect(orderByClause({ column: "start_time", desc: true })).toBe("attributes.start_time DESC");
    expect(orderByClause({ column: "run_name", desc: false })).toBe("attributes.run_name ASC");
    expect(orderByClause({ column: metricColumn("rmse"), desc: false })).toBe("metrics.`rmse` ASC");
    expect(orderByClause({ column: paramColumn("model type"), desc: true })).toBe("params.`model type` DESC");
  });

  it("does not offer to sort by duration, which MLflow cannot order by", () => {
    expect(sortable("duration")).toBe(false);
    expect(orderByClause({ column: "duration", desc: true })).toBeUndefined();
    expect(sortable(metricColumn("rmse"))).toBe(true);
  });

  it("flips the direction on the same column and starts metrics and times descending, names ascending", () => {
    expect(nextSort(DEFAULT_SORT, "start_time")).toEqual({ column: "start_time", desc: false });
    expect(nextSort(DEFAULT_SORT, metricColumn("acc"))).toEqual({ column: "m.acc", desc: true });
    expect(nextSort(DEFAULT_SORT, "run_name")).toEqual({ column: "run_name", desc: false });
  });
});

describe("filter and search request", () => {
  it("passes the user's filter to MLflow unchanged (MLflow judges it), trimming only the ends", () => {
    expect(filterForSearch("  metrics.rmse < 1 and params.alpha = '0.5' ")).toBe("metrics.rmse < 1 and params.alpha = '0.5'");
    expect(filterForSearch("metrics.rmse <<< nonsense")).toBe("metrics.rmse <<< nonsense");
    expect(filterForSearch("   ")).toBeUndefined();
  });

  it("asks MLflow for exactly one page of the chosen size, in the chosen order", () => {
    const state = { filter: "metrics.rmse < 1", sort: { column: metricColumn("rmse"), desc: false }, columns: [], pageSize: 50 as const };
    expect(searchRequest("7", state, "tok")).toEqual({
      experiment_ids: ["7"],
      filter: "metrics.rmse < 1",
      order_by: ["metrics.`rmse` ASC"],
      max_results: 50,
      page_token: "tok",
    });
  });
});

describe("table state in the URL", () => {
  it("round-trips filter, sort, chosen columns and page size", () => {
    const state = { filter: "params.alpha = '0.5'", sort: { column: metricColumn("val rmse"), desc: false }, columns: [metricColumn("val rmse"), paramColumn("alpha")], pageSize: 100 as const };
    const q = queryFromState(state);
    expect(stateFromQuery(new URLSearchParams(q.toString()))).toEqual(state);
  });

  it("leaves defaults out of the link and falls back to them for malformed values", () => {
    expect(queryFromState({ filter: "", sort: DEFAULT_SORT, columns: [], pageSize: 25 }).toString()).toBe("");
    expect(stateFromQuery(new URLSearchParams("sort=duration&size=7&cols=x.y,m.acc,m.acc"))).toEqual({ filter: "", sort: DEFAULT_SORT, columns: ["m.acc"], pageSize: 25 });
  });
});

describe("pages by MLflow token", () => {
  it("goes forward by pushing the next token and back by popping it, never before the first page", () => {
    let stack = FIRST_PAGE;
    expect(currentToken(stack)).toBeUndefined();
    stack = nextPage(stack, "t2");
    stack = nextPage(stack, "t3");
    expect(currentToken(stack)).toBe("t3");
    stack = previousPage(stack);
    expect(currentToken(stack)).toBe("t2");
    stack = previousPage(previousPage(stack));
    expect(stack).toEqual([undefined]);
  });

  it("compares between 2 and 10 runs", () => {
    expect([1, 2, 10, 11].map(canCompare)).toEqual([false, true, true, false]);
  });
});
