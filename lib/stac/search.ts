import { badRequest } from "./errors";
import type { SearchParams, Sort, SortField } from "./params";

/** What the catalog knows of a model version before reading its files: enough to filter, sort and page. */
export interface VersionRecord {
  id: string;
  /** The project's collection. */
  collection: string;
  projectId: number;
  projectPath: string;
  topics: readonly string[];
  modelName: string;
  version: string;
  /** ms since the epoch */
  created: number;
  updated: number;
  title: string;
  /** Text free-text search looks through: names, descriptions, tags, aliases, project path. */
  text: string;
}

type SortValue = string | number;
const valueOf = (r: VersionRecord, field: SortField): SortValue => (field === "datetime" ? r.created : r[field]);

const compareValues = (a: SortValue, b: SortValue) => (a < b ? -1 : a > b ? 1 : 0);

/** The sort order, always ended by the id: a total order, so a cursor names one place in it. */
function comparator(sortby: Sort[]) {
  return (a: { key: SortValue[] }, b: { key: SortValue[] }) => {
    for (let i = 0; i < sortby.length; i++) {
      const c = compareValues(a.key[i], b.key[i]) * (sortby[i].direction === "desc" ? -1 : 1);
      if (c) return c;
    }
    return compareValues(a.key[sortby.length], b.key[sortby.length]);
  };
}

const keyOf = (r: VersionRecord, sortby: Sort[]): SortValue[] => [...sortby.map((s) => valueOf(r, s.field)), r.id];

/**
 * A page token is the sort key of the last item served (keyset paging), not an offset: versions
 * registered or deleted while a client pages move no other item across a page boundary, so no
 * item is served twice or skipped. The sort fields are part of it, so a token cannot be replayed
 * under another order.
 */
export function encodeToken(sortby: Sort[], key: SortValue[]): string {
  return Buffer.from(JSON.stringify({ s: sortby.map((s) => `${s.direction === "desc" ? "-" : "+"}${s.field}`), k: key }), "utf8").toString("base64url");
}

export function decodeToken(token: string, sortby: Sort[]): SortValue[] {
  const invalid = () => badRequest("token is not one this catalog issued for this search: take it from a rel=next link.");
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,2048}$/.test(token)) throw invalid();
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const t = parsed as { s?: unknown; k?: unknown };
  const expected = sortby.map((s) => `${s.direction === "desc" ? "-" : "+"}${s.field}`);
  if (!Array.isArray(t.s) || t.s.join(",") !== expected.join(",") || !Array.isArray(t.k) || t.k.length !== sortby.length + 1) throw invalid();
  const fieldTypes = [...sortby.map((s) => (s.field === "datetime" || s.field === "created" || s.field === "updated" ? "number" : "string")), "string"];
  if (!t.k.every((v, i) => typeof v === fieldTypes[i])) throw invalid();
  return t.k as SortValue[];
}

function matches(r: VersionRecord, p: SearchParams): boolean {
  if (p.ids && !p.ids.includes(r.id)) return false;
  if (p.q && !p.q.some((term) => r.text.includes(term))) return false;
  if (p.datetime) {
    if (p.datetime.start !== undefined && r.created < p.datetime.start) return false;
    if (p.datetime.end !== undefined && r.created > p.datetime.end) return false;
  }
  // Models have no footprint (geometry null): no spatial filter matches one.
  if (p.bbox || p.intersects) return false;
  return true;
}

export interface Page {
  records: VersionRecord[];
  matched: number;
  /** Token of the next page, when there is one. */
  next?: string;
}

/** Filters, sorts and cuts one page of `records` (already limited to what the caller may read and to the collections asked for). */
export function searchPage(records: readonly VersionRecord[], p: SearchParams): Page {
  const cmp = comparator(p.sortby);
  const keyed = records.filter((r) => matches(r, p)).map((r) => ({ r, key: keyOf(r, p.sortby) }));
  keyed.sort(cmp);
  let start = 0;
  if (p.token) {
    const after = { key: decodeToken(p.token, p.sortby) };
    start = keyed.findIndex((k) => cmp(k, after) > 0);
    if (start < 0) start = keyed.length;
  }
  const page = keyed.slice(start, start + p.limit);
  const more = start + p.limit < keyed.length;
  return { records: page.map((k) => k.r), matched: keyed.length, next: more ? encodeToken(p.sortby, page[page.length - 1].key) : undefined };
}
