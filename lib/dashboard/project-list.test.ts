import { describe, expect, it } from "vitest";
import { countLabel, gitlabProjectsQuery, listHref, pageRange, parseListParams, readPagination } from "./project-list";

describe("projects page URL", () => {
  it("reads search, page and the visibility toggle, ignoring junk", () => {
    expect(parseListParams({ q: " flood ", page: "3", all: "1" })).toEqual({ q: "flood", page: 3, all: true });
    expect(parseListParams({ page: "-2" })).toEqual({ q: "", page: 1, all: false });
    expect(parseListParams({ page: "2.5", all: "yes" })).toEqual({ q: "", page: 1, all: false });
    expect(parseListParams({ q: ["a", "b"] }).q).toBe("a");
  });

  it("writes only what differs from the defaults", () => {
    expect(listHref({ q: "", page: 1, all: false })).toBe("/");
    expect(listHref({ q: "flood det", page: 2, all: true })).toBe("/?q=flood+det&all=1&page=2");
  });
});

describe("GitLab projects query", () => {
  it("asks for memberships by default and everything visible with the toggle", () => {
    const mine = new URLSearchParams(gitlabProjectsQuery({ q: "", page: 1, all: false }, []));
    expect(mine.get("membership")).toBe("true");
    const all = new URLSearchParams(gitlabProjectsQuery({ q: "", page: 1, all: true }, []));
    expect(all.has("membership")).toBe(false);
  });

  it("passes the search (names and namespaces), the page and the mandatory topics", () => {
    const q = new URLSearchParams(gitlabProjectsQuery({ q: "ml-team", page: 4, all: false }, ["sharinghub:aimodel", "x"], 20));
    expect(q.get("search")).toBe("ml-team");
    expect(q.get("search_namespaces")).toBe("true");
    expect(q.get("page")).toBe("4");
    expect(q.get("per_page")).toBe("20");
    expect(q.get("topic")).toBe("sharinghub:aimodel,x");
  });

  it("leaves the topic filter out when none is configured", () => {
    expect(new URLSearchParams(gitlabProjectsQuery({ q: "", page: 1, all: false }, [])).has("topic")).toBe(false);
  });
});

describe("GitLab pagination headers", () => {
  const asked = { q: "", page: 2, all: false };
  it("reads totals and neighbours", () => {
    const h = new Headers({ "x-page": "2", "x-per-page": "20", "x-total": "57", "x-total-pages": "3", "x-next-page": "3", "x-prev-page": "1" });
    expect(readPagination(h, asked)).toEqual({ page: 2, perPage: 20, total: 57, totalPages: 3, nextPage: 3, prevPage: 1 });
  });

  it("copes with GitLab leaving the totals out and an empty next page on the last page", () => {
    const h = new Headers({ "x-page": "2", "x-per-page": "20", "x-next-page": "", "x-prev-page": "1" });
    expect(readPagination(h, asked)).toEqual({ page: 2, perPage: 20, total: undefined, totalPages: undefined, nextPage: undefined, prevPage: 1 });
  });

  it("says which rows a page shows", () => {
    expect(pageRange({ page: 2, perPage: 20, total: 1057 }, 20)).toBe("21–40 of 1,057");
    expect(pageRange({ page: 1, perPage: 20 }, 3)).toBe("1–3");
    expect(pageRange({ page: 1, perPage: 20, total: 0 }, 0)).toBe("");
  });
});

describe("capped counts", () => {
  it("formats a count and marks one that hit the page size", () => {
    expect(countLabel({ n: 1234, capped: false })).toBe("1,234");
    expect(countLabel({ n: 1000, capped: true })).toBe("1,000+");
    expect(countLabel({ n: 0, capped: false })).toBe("0");
  });
});
