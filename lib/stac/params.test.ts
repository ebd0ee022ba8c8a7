import { describe, expect, it } from "vitest";
import { StacError } from "./errors";
import { DEFAULT_LIMIT, DEFAULT_SORT, MAX_LIMIT, parseSearchBody, parseSearchQuery } from "./params";

const query = (s: string) => parseSearchQuery(new URLSearchParams(s));
function refusal(f: () => unknown): { status: number; body: { code: string; description: string } } {
  try {
    f();
  } catch (e) {
    if (e instanceof StacError) return { status: e.status, body: e.body() };
    throw e;
  }
  throw new Error("no refusal");
}

describe("search parameters", () => {
  it("defaults: 10 items, newest first", () => {
    expect(query("")).toMatchObject({ limit: DEFAULT_LIMIT, sortby: DEFAULT_SORT });
  });

  it("GET lists are comma-separated; POST lists are arrays; q may be a string or a list", () => {
    expect(query("collections=gitlab-1,ai-model&ids=a,b&q=Flood,unet")).toMatchObject({ collections: ["gitlab-1", "ai-model"], ids: ["a", "b"], q: ["flood", "unet"] });
    expect(parseSearchBody({ collections: ["gitlab-1"], ids: ["a"], q: "Flood" })).toMatchObject({ collections: ["gitlab-1"], ids: ["a"], q: ["flood"] });
    expect(parseSearchBody({ q: ["a", "b"] }).q).toEqual(["a", "b"]);
  });

  it("a limit above the maximum is served as the maximum", () => {
    expect(query("limit=5000").limit).toBe(MAX_LIMIT);
    expect(parseSearchBody({ limit: 3 }).limit).toBe(3);
  });

  it.each(["limit=0", "limit=-1", "limit=ten", "limit=2.5", "limit=1e3"])("a bad limit (%s) is a 400 with an OGC error body", (s) => {
    const r = refusal(() => query(s));
    expect(r.status).toBe(400);
    expect(r.body.code).toBe("InvalidParameterValue");
    expect(r.body.description).toMatch(/limit must be a whole number/);
  });

  it("sortby: GET signs (+ arriving as a space), POST objects", () => {
    expect(query("sortby=-properties.datetime,+id").sortby).toEqual([{ field: "datetime", direction: "desc" }, { field: "id", direction: "asc" }]);
    expect(query("sortby=%20id").sortby).toEqual([{ field: "id", direction: "asc" }]);
    expect(parseSearchBody({ sortby: [{ field: "properties.title", direction: "DESC" }] }).sortby).toEqual([{ field: "title", direction: "desc" }]);
  });

  it.each([
    ["sortby=properties.eo:cloud_cover", /cannot be sorted by "properties.eo:cloud_cover"/],
    ["sortby=id,-id", /names a field twice/],
  ])("a bad sortby (%s) is a 400 naming the problem", (s, message) => {
    const r = refusal(() => query(s));
    expect(r.status).toBe(400);
    expect(r.body.description).toMatch(message);
  });

  it("a bad sort direction in a POST is a 400", () => {
    expect(refusal(() => parseSearchBody({ sortby: [{ field: "id", direction: "up" }] })).status).toBe(400);
  });

  it.each(["bbox=1,2,3", "bbox=a,b,c,d", "bbox=0,0,200,10", "bbox=0,10,10,0", "bbox=0,0,,1"])("a bad bbox (%s) is a 400", (s) => {
    const r = refusal(() => query(s));
    expect(r.status).toBe(400);
    expect(r.body.description).toMatch(/^bbox /);
  });

  it("a valid bbox and a datetime interval are read", () => {
    expect(query("bbox=-10,-5,10,5").bbox).toEqual([-10, -5, 10, 5]);
    expect(query("datetime=2026-01-01T00:00:00Z/..").datetime).toEqual({ start: Date.parse("2026-01-01T00:00:00Z"), end: undefined });
  });

  it.each(["datetime=yesterday", "datetime=../..", "datetime=2026-02-01T00:00:00Z/2026-01-01T00:00:00Z"])("a bad datetime (%s) is a 400", (s) => {
    expect(refusal(() => query(s)).status).toBe(400);
  });

  it("a parameter given twice, a body that is not an object, or bbox with intersects is a 400", () => {
    expect(refusal(() => query("limit=1&limit=2")).status).toBe(400);
    expect(refusal(() => parseSearchBody([1])).status).toBe(400);
    expect(refusal(() => parseSearchBody({ bbox: [0, 0, 1, 1], intersects: { type: "Point", coordinates: [0, 0] } })).status).toBe(400);
    expect(refusal(() => parseSearchBody({ collections: [1] })).status).toBe(400);
  });
});
