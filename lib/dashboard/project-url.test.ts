import { describe, expect, it } from "vitest";
import { parseProjectLocation, projectHref } from "./project-url";

const parse = (url: string) => parseProjectLocation(url.split("/").filter(Boolean));

describe("dashboard project URLs", () => {
  it("reads a project path with nested groups as the overview", () => {
    expect(parse("ml-team/vision/segmentation")).toEqual({ projectPath: "ml-team/vision/segmentation", section: "overview", rest: [] });
  });

  it("reads the section and what follows it", () => {
    expect(parse("ml-team/flood-detection/runs/abc123")).toEqual({ projectPath: "ml-team/flood-detection", section: "runs", rest: ["abc123"] });
    expect(parse("ml-team/flood-detection/models/my%20model")).toEqual({ projectPath: "ml-team/flood-detection", section: "models", rest: ["my model"] });
  });

  it("takes a project named like a section as a project, since a section never comes before the third segment", () => {
    expect(parse("alice/models")).toEqual({ projectPath: "alice/models", section: "overview", rest: [] });
    expect(parse("alice/models/permissions")).toEqual({ projectPath: "alice/models", section: "permissions", rest: [] });
  });

  it("lets GitLab's - separator settle a subgroup named like a section", () => {
    expect(parse("ml/team/models/x/-/snippet")).toEqual({ projectPath: "ml/team/models/x", section: "snippet", rest: [] });
    expect(parse("ml/team/models/x/-")).toEqual({ projectPath: "ml/team/models/x", section: "overview", rest: [] });
    expect(projectHref("ml/team/models/x", "snippet")).toBe("/projects/ml/team/models/x/-/snippet");
    expect(projectHref("ml/models/x", "snippet")).toBe("/projects/ml/models/x/snippet");
  });

  it("refuses what cannot be a GitLab project path or a known page", () => {
    expect(parse("lonely")).toBeUndefined();
    expect(parse("a/b/-/nope")).toBeUndefined();
    expect(parse("a/%2e%2e/b")).toBeUndefined();
    expect(parse("a/..%2fb/c")).toBeUndefined();
    expect(parse("a/b.git")).toBeUndefined();
    expect(parse("a/%E0%A4%A")).toBeUndefined();
  });

  it("builds links that parse back to the same place", () => {
    for (const [path, section, rest] of [
      ["ml-team/flood-detection", "overview", []],
      ["ml-team/vision/segmentation", "runs", ["0a1b"]],
      ["g/p", "models", ["name with / slash"]],
      ["g/experiments/p", "compare", []],
      ["a/b/models/c", "overview", []],
      ["a/b/models/c", "models", ["m"]],
    ] as const) {
      const href = projectHref(path, section, ...rest);
      expect(parse(href.replace(/^\/projects\//, ""))).toEqual({ projectPath: path, section, rest: [...rest] });
    }
  });
});
