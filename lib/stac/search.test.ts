import { describe, expect, it } from "vitest";
import { StacError } from "./errors";
import { parseSearchBody } from "./params";
import { decodeToken, encodeToken, searchPage, type VersionRecord } from "./search";

const record = (n: number, extra: Partial<VersionRecord> = {}): VersionRecord => ({
  id: `1-m${String(n).padStart(3, "0")}-v1`,
  collection: "gitlab-1",
  projectId: 1,
  projectPath: "g/p",
  topics: [],
  modelName: `m${n}`,
  version: "1",
  created: 1_000 * n,
  updated: 1_000 * n,
  title: `m${n} v1`,
  text: `m${n} g/p`,
  ...extra,
});

function pageAll(records: VersionRecord[], body: Record<string, unknown>, between?: (page: number) => void) {
  const seen: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const p = searchPage(records, parseSearchBody({ ...body, ...(token ? { token } : {}) }));
    seen.push(...p.records.map((r) => r.id));
    if (!p.next) return seen;
    token = p.next;
    between?.(page);
  }
  throw new Error("paging did not end");
}

describe("searchPage", () => {
  const records = Array.from({ length: 25 }, (_, i) => record(i + 1));

  it("pages newest first by default, every item once, and the last page has no next token", () => {
    const seen = pageAll(records, { limit: 10 });
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen[0]).toBe("1-m025-v1");
  });

  it("versions registered and deleted while a client pages neither repeat nor skip any other item", () => {
    const live = [...records];
    const seen = pageAll(live, { limit: 10 }, (page) => {
      if (page === 0) {
        // Newer than everything served: sorted before the cursor, so it belongs to an earlier page.
        live.push(record(100), record(101));
        // One already served disappears: the next page must not shift back over it.
        live.splice(live.findIndex((r) => r.id === "1-m024-v1"), 1);
      }
    });
    const original = records.map((r) => r.id);
    expect(seen.filter((id) => original.includes(id)).sort()).toEqual([...original].sort());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("equal sort values are ordered by id, so paging is still total", () => {
    const same = Array.from({ length: 7 }, (_, i) => record(i + 1, { created: 5 }));
    expect(pageAll(same, { limit: 3, sortby: [{ field: "properties.datetime", direction: "asc" }] })).toEqual(same.map((r) => r.id));
  });

  it("filters by ids, free text (any term) and datetime, and no model matches a spatial filter", () => {
    expect(searchPage(records, parseSearchBody({ ids: ["1-m003-v1", "nope"] })).records.map((r) => r.id)).toEqual(["1-m003-v1"]);
    expect(searchPage(records, parseSearchBody({ q: ["m7 ", "m12"] })).records.map((r) => r.id).sort()).toEqual(["1-m007-v1", "1-m012-v1"]);
    expect(searchPage(records, parseSearchBody({ datetime: "../1970-01-01T00:00:02Z" })).records).toHaveLength(2);
    expect(searchPage(records, parseSearchBody({ bbox: [-180, -90, 180, 90] })).records).toHaveLength(0);
  });

  it("a token of another sort order, a forged or a garbled token is a 400", () => {
    const token = searchPage(records, parseSearchBody({ limit: 5 })).next!;
    const refused = (body: Record<string, unknown>) => {
      try {
        searchPage(records, parseSearchBody(body));
      } catch (e) {
        return e instanceof StacError ? e.status : -1;
      }
      return 200;
    };
    expect(refused({ token })).toBe(200);
    expect(refused({ token, sortby: [{ field: "id", direction: "asc" }] })).toBe(400);
    expect(refused({ token: "not-a-token" })).toBe(400);
    expect(refused({ token: Buffer.from(JSON.stringify({ s: ["-datetime"], k: ["x", "y"] })).toString("base64url") })).toBe(400);
  });

  it("tokens round-trip", () => {
    const sort = [{ field: "title" as const, direction: "asc" as const }];
    expect(decodeToken(encodeToken(sort, ["a", "1-a-v1"]), sort)).toEqual(["a", "1-a-v1"]);
  });
});
