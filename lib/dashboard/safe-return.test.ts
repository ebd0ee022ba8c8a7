import { describe, expect, it } from "vitest";
import { safeReturnPath } from "./safe-return";

describe("return address after sign-in", () => {
  it("keeps a path inside the hub, with its query and hash", () => {
    expect(safeReturnPath("/projects/ml-team/flood-detection/runs?x=1#top")).toBe("/projects/ml-team/flood-detection/runs?x=1#top");
  });

  it("refuses to send the user to another origin", () => {
    for (const bad of ["//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "", undefined, 42]) {
      expect(safeReturnPath(bad)).toBe("/");
    }
  });
});
