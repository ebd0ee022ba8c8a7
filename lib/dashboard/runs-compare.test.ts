import { describe, expect, it } from "vitest";
import type { Run } from "@/lib/mlflow-api/types";
import { compareHref, metricRows, paramRows, parseCompareRuns, runLabel } from "./runs-compare";

const id = (n: number) => n.toString(16).padStart(32, "0");
const run = (n: number, params: Record<string, string>, metrics: Record<string, number> = {}, name?: string): Run => ({
  info: { run_id: id(n), run_name: name, experiment_id: "1", status: "FINISHED", lifecycle_stage: "active" },
  data: {
    params: Object.entries(params).map(([key, value]) => ({ key, value })),
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: 0 })),
  },
});

describe("compare runs", () => {
  it("links to the compare page with the chosen run ids", () => {
    expect(compareHref("ml-team/flood-detection", ["a", "b"])).toBe("/projects/ml-team/flood-detection/compare?runs=a,b");
  });

  it("accepts 2 to 10 distinct run ids and says what is wrong otherwise", () => {
    expect(parseCompareRuns(`${id(1)},${id(2)},${id(1)}`)).toEqual({ ok: true, ids: [id(1), id(2)] });
    expect(parseCompareRuns(id(1))).toMatchObject({ ok: false, problem: "Choose at least 2 runs to compare." });
    expect(parseCompareRuns(Array.from({ length: 11 }, (_, i) => id(i + 1)).join(","))).toMatchObject({ ok: false, problem: expect.stringContaining("at most 10") });
    expect(parseCompareRuns(`${id(1)},nope`)).toMatchObject({ ok: false, problem: "Not a run id: nope" });
    expect(parseCompareRuns(null)).toMatchObject({ ok: false });
  });

  it("lines params up by key and marks a row whose values differ, a missing value included", () => {
    const rows = paramRows([run(1, { alpha: "0.5", seed: "1" }), run(2, { alpha: "0.9", seed: "1" }), run(3, { alpha: "0.5" })]);
    expect(rows).toEqual([
      { key: "alpha", values: ["0.5", "0.9", "0.5"], differs: true },
      { key: "seed", values: ["1", "1", undefined], differs: true },
    ]);
    expect(paramRows([run(1, { seed: "1" }), run(2, { seed: "1" })])[0].differs).toBe(false);
  });

  it("lines latest metric values up by key", () => {
    expect(metricRows([run(1, {}, { rmse: 0.5 }), run(2, {}, { rmse: 0.5, mae: 1 })])).toEqual([
      { key: "mae", values: [undefined, 1], differs: true },
      { key: "rmse", values: [0.5, 0.5], differs: false },
    ]);
  });

  it("names a run by its name, else the start of its id", () => {
    expect(runLabel(run(1, {}, {}, "baseline"))).toBe("baseline");
    expect(runLabel(run(255, {}))).toBe("00000000");
  });
});
