import { describe, expect, it } from "vitest";
import { safeReturnPath } from "./safe-return";

describe("return address after sign-in", () => {
  it("keeps a path inside the hub, with its query and hash", () => {
    expect(safeReturnPath("/projects/ml-team/flood-detection/runs?x=1#top")).toBe("/projects/ml-team/flood-detection/runs?x=1#top");
  });

  it("keeps a path whose dot-segments stay inside the hub, normalised", () => {
    expect(safeReturnPath("/projects/./ml-team/../ml-team/flood-detection")).toBe("/projects/ml-team/flood-detection");
    expect(safeReturnPath("/a/../projects")).toBe("/projects");
  });

  it("refuses to send the user to another origin", () => {
    for (const bad of ["//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "", undefined, 42]) {
      expect(safeReturnPath(bad)).toBe("/");
    }
  });

  // Issue 11, hole 4: the raw value was checked, the normalised one returned, and "/.//evil.example" became "//evil.example".
  it("refuses paths that only become another origin once dot-segments, encodings, backslashes or control characters are normalised", () => {
    const attacks = [
      "/.//evil.example",
      "/..//evil.example",
      "/%2e//evil.example",
      "/%2E//evil.example",
      "/%2e%2e//evil.example",
      "/./\\evil.example",
      "/.\\/evil.example",
      "/a/..//evil.example",
      "/a/b/../..//evil.example",
      "/a/%2e%2e//evil.example",
      "/./.././/evil.example",
      "/.//\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "/.\t//evil.example",
      "/\\/evil.example",
      "/\r/evil.example",
    ];
    for (const attack of attacks) expect(safeReturnPath(attack), JSON.stringify(attack)).toBe("/");
  });

  it("uses the fallback it is given", () => {
    expect(safeReturnPath("/.//evil.example", "/projects")).toBe("/projects");
  });
});
