import { describe, expect, it } from "vitest";
import { GATEWAY_DATA_POLICY, MLFLOW_UI_POLICY, gatewayPolicy } from "./content-policy";

describe("the CSP of a gateway answer", () => {
  it("gives the stock UI's page and its static files the UI's policy", () => {
    for (const p of ["/mlflow/ml-team/flood-detection/tracking/", "/mlflow/101/tracking/", "/mlflow/ml-team/flood-detection/tracking/static-files/static/js/main.js", "/mlflow/101/tracking/build/index.html"]) {
      expect([p, gatewayPolicy(p)]).toEqual([p, MLFLOW_UI_POLICY]);
    }
  });

  it("opens uploaded artifacts, as a page, sandboxed with nothing allowed (an .html artifact runs no script on the hub's origin)", () => {
    for (const p of [
      "/mlflow/101/tracking/get-artifact",
      "/mlflow/101/tracking/model-versions/get-artifact",
      "/mlflow/101/tracking/api/2.0/mlflow-artifacts/artifacts/workspaces/gitlab-101/1/r/artifacts/report.html",
      "/mlflow/101/tracking/ajax-api/2.0/mlflow/get-trace-artifact",
      "/mlflow/101/tracking/ajax-api/2.0/mlflow/experiments/search",
    ]) {
      expect([p, gatewayPolicy(p)]).toEqual([p, GATEWAY_DATA_POLICY]);
    }
    expect(GATEWAY_DATA_POLICY).toMatch(/(^|; )sandbox(;|$)/);
    expect(GATEWAY_DATA_POLICY).toContain("default-src 'none'");
  });

  it("is the data policy for a path that is no tracking URI, or not valid encoding", () => {
    for (const p of ["/mlflow/", "/mlflow/nothing", "/mlflow/101/tracking/%E0%A4%A/x", "/mlflow/101/tracking/static-files"]) expect([p, gatewayPolicy(p)]).toEqual([p, GATEWAY_DATA_POLICY]);
  });

  it("finds the project where the gateway does, groups and projects named tracking included", () => {
    expect(gatewayPolicy("/mlflow/tracking/static-files/tracking/get-artifact")).toBe(GATEWAY_DATA_POLICY);
    expect(gatewayPolicy("/mlflow/group/tracking/tracking/static-files/app.js")).toBe(MLFLOW_UI_POLICY);
  });

  it("lets the UI run only its own scripts, never inline or eval, and never be framed", () => {
    const ui = Object.fromEntries(MLFLOW_UI_POLICY.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
    expect(ui["script-src"]).toEqual(["'self'"]);
    expect(ui["frame-ancestors"]).toEqual(["'none'"]);
    expect(ui["object-src"]).toEqual(["'none'"]);
    expect(ui["connect-src"]).toEqual(["'self'"]);
  });
});
