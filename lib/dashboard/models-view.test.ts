import { describe, expect, it } from "vitest";
import { aliasProblem, aliasesByVersion, filterLiteral, modelNameFilter, modelVersionsFilter, sortVersions, sourceRun } from "./models-view";

const RUN = "8921f54630d2483280e6a31800298326";

describe("model search filters", () => {
  it("searches names containing the term, case-insensitively, and everything for a blank term", () => {
    expect(modelNameFilter("  flood ")).toBe("name ILIKE '%flood%'");
    expect(modelNameFilter("   ")).toBeUndefined();
  });

  it("quotes a name holding a single quote with double quotes, since MLflow literals have no escape", () => {
    expect(filterLiteral("bob's model")).toBe(`"bob's model"`);
    expect(modelVersionsFilter("bob's model")).toBe(`name = "bob's model"`);
    expect(modelNameFilter("bob's")).toBe(`name ILIKE "%bob's%"`);
  });

  it("cannot write a name holding both quotes as a literal: no versions filter, and the name search drops the double quotes", () => {
    expect(modelVersionsFilter(`a'b"c`)).toBeUndefined();
    expect(modelNameFilter(`a'b"c`)).toBe(`name ILIKE "%a'bc%"`);
  });
});

describe("versions", () => {
  it("orders versions numerically, newest first (10 after 9)", () => {
    const versions = ["9", "10", "2"].map((version) => ({ name: "m", version }));
    expect(sortVersions(versions).map((v) => v.version)).toEqual(["10", "9", "2"]);
  });

  it("maps the registered model's aliases onto its versions", () => {
    const byVersion = aliasesByVersion({ aliases: [{ alias: "staging-b", version: "2" }, { alias: "champion", version: "1" }, { alias: "blue", version: "2" }] });
    expect(byVersion.get("1")).toEqual(["champion"]);
    expect(byVersion.get("2")).toEqual(["blue", "staging-b"]);
    expect(byVersion.get("3")).toBeUndefined();
  });

  it("finds the source run from run_id or a runs:/ source, with the path inside the run", () => {
    expect(sourceRun({ run_id: RUN, source: `runs:/${RUN}/model` })).toEqual({ runId: RUN, path: "model" });
    expect(sourceRun({ source: `runs:/${RUN}/nested/model` })).toEqual({ runId: RUN, path: "nested/model" });
    expect(sourceRun({ run_id: RUN, source: "mlflow-artifacts:/workspaces/gitlab-101/1/x/artifacts/model" })).toEqual({ runId: RUN, path: undefined });
    expect(sourceRun({ source: "models:/other/1" })).toBeUndefined();
  });
});

describe("alias names", () => {
  it("accepts what MLflow accepts", () => {
    for (const ok of ["champion", "prod_2024", "blue-green", "v1beta", "modèle"]) expect(aliasProblem(ok)).toBeUndefined();
  });

  it("refuses what MLflow would refuse: empty, reserved, version-like, bad characters, too long", () => {
    expect(aliasProblem("")).toMatch(/Enter/);
    expect(aliasProblem("Latest")).toMatch(/reserved/);
    expect(aliasProblem("v12")).toMatch(/reserved/);
    expect(aliasProblem("V3")).toMatch(/reserved/);
    expect(aliasProblem("with space")).toMatch(/letters, digits/);
    expect(aliasProblem("a/b")).toMatch(/letters, digits/);
    expect(aliasProblem("a".repeat(256))).toMatch(/255/);
  });
});
