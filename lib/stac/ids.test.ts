import { describe, expect, it } from "vitest";
import { itemId, parseItemId, parseProjectCollectionId, projectCollectionId, slug } from "./ids";

describe("item ids", () => {
  it("a name that is its own slug reads as itself", () => {
    expect(itemId(101, "flood-unet", "3")).toBe("101-flood-unet-v3");
  });

  it("names with spaces, slashes, unicode or case become URL-safe ids that stay distinct", () => {
    const names = ["Flood U-Net", "flood/u-net", "flood u net", "flood-u-net", "Überschwemmung ☔", "洪水モデル", "iris (101)", "iris"];
    const ids = names.map((n) => itemId(101, n, "1"));
    expect(new Set(ids).size).toBe(names.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+$/);
    expect(itemId(101, "Überschwemmung ☔", "1")).toMatch(/^101-uberschwemmung--[0-9a-f]{10}-v1$/);
    // The SharingHub suffix " (<project id>)" is dropped from the readable part: the id already names the project.
    expect(itemId(101, "iris (101)", "2")).toMatch(/^101-iris--[0-9a-f]{10}-v2$/);
  });

  it("is the same for the same project, name and version, and differs across projects and versions", () => {
    expect(itemId(7, "My Model", "2")).toBe(itemId(7, "My Model", "2"));
    expect(itemId(7, "My Model", "2")).not.toBe(itemId(8, "My Model", "2"));
    expect(itemId(7, "My Model", "2")).not.toBe(itemId(7, "My Model", "3"));
  });

  it("a name shaped like another name's hashed id does not take that id", () => {
    const hashed = itemId(5, "a b", "1");
    const lookalike = hashed.slice(2, -3); // "a-b--<hash>"
    expect(itemId(5, lookalike, "1")).not.toBe(hashed);
  });

  it("parses back to its project and version; other strings are not item ids", () => {
    expect(parseItemId(itemId(42, "m-v3", "12"))).toEqual({ projectId: 42, version: "12" });
    expect(parseItemId("42-model")).toBeUndefined();
    expect(parseItemId("../42-x-v1")).toBeUndefined();
    expect(parseItemId("042-x-v1")).toBeUndefined();
  });

  it("long names are cut to a bounded slug", () => {
    expect(slug("x".repeat(500)).length).toBeLessThanOrEqual(48);
    expect(slug("!!!")).toBe("model");
  });
});

describe("project collection ids", () => {
  it("round-trip and refuse anything else", () => {
    expect(parseProjectCollectionId(projectCollectionId(101))).toBe(101);
    expect(parseProjectCollectionId("gitlab-0")).toBeUndefined();
    expect(parseProjectCollectionId("gitlab-1 ")).toBeUndefined();
    expect(parseProjectCollectionId("ai-model")).toBeUndefined();
  });
});
