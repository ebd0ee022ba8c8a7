import { describe, expect, it } from "vitest";
import { parseModelRef, parseServingPath } from "./path";

describe("parseServingPath", () => {
  it("splits a project path, model, version and operation", () => {
    expect(parseServingPath("/mlflow/ml-team/flood-detection/serving/flood/3/invocations")).toEqual({
      kind: "endpoint",
      project: { kind: "path", path: "ml-team/flood-detection" },
      model: "flood",
      ref: { kind: "version", version: "3" },
      operation: "invocations",
    });
  });
  it("takes a word as an alias and @<digits> as an alias named by digits", () => {
    expect(parseServingPath("/mlflow/101/serving/flood/champion")).toMatchObject({ project: { kind: "id", id: 101 }, ref: { kind: "alias", alias: "champion" }, operation: undefined });
    expect(parseModelRef("@7")).toEqual({ kind: "alias", alias: "7" });
  });
  it("decodes the model name from one segment", () => {
    expect(parseServingPath("/mlflow/101/serving/my%20model/1/ping")).toMatchObject({ model: "my model", operation: "ping" });
  });
  it("lists at the serving root, with or without the slash", () => {
    expect(parseServingPath("/mlflow/a/b/serving/")).toEqual({ kind: "list", project: { kind: "path", path: "a/b" } });
    expect(parseServingPath("/mlflow/a/b/serving")).toEqual({ kind: "list", project: { kind: "path", path: "a/b" } });
  });
  it("lets a group be called serving", () => {
    expect(parseServingPath("/mlflow/a/serving/serving/m/1/version")).toMatchObject({ project: { kind: "path", path: "a/serving" }, model: "m" });
  });
  it("leaves tracking URIs and other shapes alone", () => {
    expect(parseServingPath("/mlflow/a/b/tracking/api/2.0/mlflow/experiments/search")).toBeUndefined();
    expect(parseServingPath("/mlflow/a/b/serving/m/1/invocations/more")).toBeUndefined();
    expect(parseServingPath("/mlflow/a/b/serving/m/1/unknown")).toBeUndefined();
    expect(parseServingPath("/mlflow/a/serving/m/1")).toBeUndefined();
  });
  it("refuses model names with separators and the reserved alias latest", () => {
    expect(() => parseServingPath("/mlflow/101/serving/a%2Fb/1")).toThrow(/cannot contain/);
    expect(() => parseServingPath("/mlflow/101/serving/..%2F/1")).toThrow();
    expect(() => parseServingPath("/mlflow/101/serving/m/latest")).toThrow(/version/);
  });
});
