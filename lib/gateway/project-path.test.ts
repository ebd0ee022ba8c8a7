import { describe, expect, it } from "vitest";
import { GatewayError } from "./errors";
import { parseGatewayPath } from "./project-path";

// Stand-in for the route table: what matters here is only whether a rest path begins a route.
const isRoute = (rest: string) => /^\/(api|ajax-api)\/[23]\.0\//.test(rest) || rest.startsWith("/static-files/") || rest === "/graphql";
const parse = (p: string) => parseGatewayPath(p, isRoute);

describe("parseGatewayPath", () => {
  it("splits a nested-group project from the MLflow route", () => {
    expect(parse("/mlflow/ml-team/vision/segmentation/tracking/api/2.0/mlflow/runs/get")).toEqual({
      project: { kind: "path", path: "ml-team/vision/segmentation" },
      prefix: "/mlflow/ml-team/vision/segmentation/tracking",
      rawRest: "/api/2.0/mlflow/runs/get",
      rest: "/api/2.0/mlflow/runs/get",
    });
  });

  it("accepts the numeric project id form", () => {
    expect(parse("/mlflow/101/tracking/api/2.0/mlflow/experiments/search")?.project).toEqual({ kind: "id", id: 101 });
  });

  it("is not confused by a group named tracking", () => {
    const p = parse("/mlflow/tracking/models/tracking/api/2.0/mlflow/runs/search");
    expect(p?.project).toEqual({ kind: "path", path: "tracking/models" });
  });

  it("is not confused by a project named tracking", () => {
    expect(parse("/mlflow/ml-team/tracking/tracking/api/2.0/mlflow/runs/search")?.project).toEqual({ kind: "path", path: "ml-team/tracking" });
  });

  it("is not confused by an artifact named tracking", () => {
    const p = parse("/mlflow/ml-team/p/tracking/api/2.0/mlflow-artifacts/artifacts/workspaces/gitlab-1/1/r/artifacts/tracking/api/2.0/x");
    expect(p?.project).toEqual({ kind: "path", path: "ml-team/p" });
    expect(p?.rest).toBe("/api/2.0/mlflow-artifacts/artifacts/workspaces/gitlab-1/1/r/artifacts/tracking/api/2.0/x");
  });

  it("takes the tracking segment after which a route begins when several could end the project", () => {
    expect(parse("/mlflow/g/tracking/api/tracking/api/2.0/mlflow/runs/get")?.project).toEqual({ kind: "path", path: "g/tracking/api" });
  });

  it("treats the bare tracking URI, with or without slash, as the UI entry", () => {
    expect(parse("/mlflow/ml-team/p/tracking")?.rest).toBe("");
    expect(parse("/mlflow/ml-team/p/tracking/")?.rest).toBe("/");
  });

  it("keeps the raw encoding for forwarding and decodes for matching", () => {
    const p = parse("/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/a%20b.txt");
    expect(p?.rawRest).toBe("/api/2.0/mlflow-artifacts/artifacts/a%20b.txt");
    expect(p?.rest).toBe("/api/2.0/mlflow-artifacts/artifacts/a b.txt");
  });

  it("accepts a literal percent sign in an artifact name", () => {
    expect(parse("/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/100%25%20done.txt")?.rest).toBe("/api/2.0/mlflow-artifacts/artifacts/100% done.txt");
  });

  it.each([
    ["a dot-dot segment", "/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/../x"],
    ["an encoded dot-dot", "/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/%2e%2e/x"],
    ["an encoded slash", "/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/a%2Fb"],
    ["an encoded backslash", "/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/a%5Cb"],
    ["a double-encoded dot-dot (MLflow decodes until stable)", "/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/%252e%252e/x"],
    ["a double-encoded slash", "/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/a%252Fb"],
    ["broken percent-encoding", "/mlflow/g/p/tracking/api/2.0/mlflow-artifacts/artifacts/%zz"],
  ])("refuses %s with INVALID_PARAMETER_VALUE", (_, path) => {
    expect(() => parse(path)).toThrow(GatewayError);
    try {
      parse(path);
    } catch (e) {
      expect((e as GatewayError).code).toBe("INVALID_PARAMETER_VALUE");
    }
  });

  it.each([
    ["outside the gateway", "/projects/x"],
    ["no tracking segment", "/mlflow/g/p/api/2.0/mlflow/runs/get"],
    ["a one-segment non-numeric project", "/mlflow/p/tracking/api/2.0/mlflow/runs/get"],
    ["a project path with an invalid segment", "/mlflow/g/%2e%2e/tracking/api/2.0/mlflow/runs/get"],
    ["a project path ending in .git", "/mlflow/g/p.git/tracking/api/2.0/mlflow/runs/get"],
    ["an id with a leading zero", "/mlflow/0101/tracking/api/2.0/mlflow/runs/get"],
  ])("finds no project in a path %s", (_, path) => {
    expect(parse(path)).toBeUndefined();
  });
});
