import { describe, expect, it } from "vitest";
import { signInPath } from "./sign-in-path";

describe("signInPath", () => {
  it("comes back to the page the browser was on, query included", () => {
    expect(signInPath("/mlflow/ml-team/flood-detection/tracking/?workspace=gitlab-101")).toBe(
      "/signin?callbackUrl=%2Fmlflow%2Fml-team%2Fflood-detection%2Ftracking%2F%3Fworkspace%3Dgitlab-101",
    );
  });

  it("says the session ended when the hub ended it", () => {
    expect(signInPath("/projects/ml-team/flood-detection", true)).toBe("/signin?callbackUrl=%2Fprojects%2Fml-team%2Fflood-detection&reason=expired");
  });

  it("never sends the browser back to another origin", () => {
    for (const bad of ["//evil.example/mlflow/x/tracking/", "/\\evil.example", "https://evil.example/"]) expect(signInPath(bad)).toBe("/signin?callbackUrl=%2F");
  });
});
