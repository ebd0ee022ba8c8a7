import { describe, expect, it } from "vitest";
import { chartPoints, childRunsFilter, parentRunId, sourceFacts, splitTags } from "./runs-detail";

describe("run detail", () => {
  it("puts MLflow's own tags apart from the user's", () => {
    const { user, system } = splitTags([
      { key: "team", value: "flood" },
      { key: "mlflow.user", value: "bob" },
      { key: "mlflowish", value: "x" },
      { key: "mlflow.runName", value: "r" },
    ]);
    expect(user.map((t) => t.key)).toEqual(["mlflowish", "team"]);
    expect(system.map((t) => t.key)).toEqual(["mlflow.runName", "mlflow.user"]);
  });

  it("finds the parent in the tag MLflow sets and searches children by it", () => {
    const id = "0123456789abcdef0123456789abcdef";
    expect(parentRunId([{ key: "mlflow.parentRunId", value: id }])).toBe(id);
    expect(parentRunId([])).toBeUndefined();
    expect(childRunsFilter(id)).toBe(`tags.mlflow.parentRunId = '${id}'`);
  });

  it("never builds a child filter from something that is not a run id", () => {
    expect(() => childRunsFilter("x' or tags.a = 'b")).toThrow();
  });

  it("lists source, git and CI facts, links for URLs only, without repeating one", () => {
    const facts = sourceFacts([
      { key: "mlflow.source.name", value: "train.py" },
      { key: "mlflow.source.git.commit", value: "abc123" },
      { key: "mlflow.source.git.repoURL", value: "https://gitlab.example/ml/flood.git" },
      { key: "mlflow.gitRepoURL", value: "https://gitlab.example/ml/flood.git" },
    ]);
    expect(facts).toEqual([
      { label: "Source", value: "train.py", href: undefined },
      { label: "Git repository", value: "https://gitlab.example/ml/flood.git", href: "https://gitlab.example/ml/flood.git" },
      { label: "Git commit", value: "abc123", href: undefined },
    ]);
  });

  it("orders a metric's history by step, or by wall-clock time for the time axis", () => {
    const history = [
      { key: "loss", value: 3, step: 2, timestamp: 100 },
      { key: "loss", value: 1, step: 0, timestamp: 300 },
      { key: "loss", value: 2, step: 1, timestamp: 200 },
    ];
    expect(chartPoints(history, "step")).toEqual([
      { x: 0, y: 1 },
      { x: 1, y: 2 },
      { x: 2, y: 3 },
    ]);
    expect(chartPoints(history, "time").map((p) => p.y)).toEqual([3, 2, 1]);
  });
});
