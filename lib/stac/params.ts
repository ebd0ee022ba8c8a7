import { badRequest } from "./errors";

export const DEFAULT_LIMIT = 10;
/** OGC API - Features: a larger limit is served as this maximum, not refused. */
export const MAX_LIMIT = 1000;

/** The fields items can be sorted by (STAC API sort extension), as clients name them. */
const SORTABLE: Record<string, SortField> = {
  id: "id",
  collection: "collection",
  datetime: "datetime",
  "properties.datetime": "datetime",
  "properties.created": "created",
  "properties.updated": "updated",
  "properties.title": "title",
};
export type SortField = "id" | "collection" | "datetime" | "created" | "updated" | "title";
export interface Sort {
  field: SortField;
  direction: "asc" | "desc";
}
/** Newest versions first: what a catalog of models is browsed by. */
export const DEFAULT_SORT: Sort[] = [{ field: "datetime", direction: "desc" }];

export interface SearchParams {
  collections?: string[];
  ids?: string[];
  /** Free-text terms, any of which may match (STAC API free-text, basic). */
  q?: string[];
  limit: number;
  sortby: Sort[];
  bbox?: number[];
  intersects?: object;
  datetime?: { start?: number; end?: number };
  token?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function stringList(name: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = typeof value === "string" ? value.split(",") : Array.isArray(value) ? value : undefined;
  if (!list || !list.every((v) => typeof v === "string")) throw badRequest(`${name} must be a list of strings (comma-separated in a query string).`);
  const cleaned = list.map((v) => v.trim()).filter(Boolean);
  return cleaned.length ? cleaned : undefined;
}

function parseLimit(value: unknown): number {
  if (value === undefined || value === null || value === "") return DEFAULT_LIMIT;
  const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1) throw badRequest(`limit must be a whole number from 1 to ${MAX_LIMIT}; got ${JSON.stringify(value)}.`);
  return Math.min(n, MAX_LIMIT);
}

function sortEntry(field: string, direction: string): Sort {
  const known = SORTABLE[field];
  if (!known) throw badRequest(`Items cannot be sorted by "${field}": sortby takes ${Object.keys(SORTABLE).join(", ")}.`);
  if (direction !== "asc" && direction !== "desc") throw badRequest(`The sort direction of "${field}" must be asc or desc.`);
  return { field: known, direction };
}

/** GET: `-properties.datetime,+id` (`+` may arrive as a space); POST: `[{field, direction}]`. */
function parseSortby(value: unknown): Sort[] {
  if (value === undefined || value === null || value === "") return DEFAULT_SORT;
  let sorts: Sort[];
  if (typeof value === "string") {
    sorts = value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (s.startsWith("-") ? sortEntry(s.slice(1), "desc") : sortEntry(s.replace(/^\+/, ""), "asc")));
  } else if (Array.isArray(value)) {
    sorts = value.map((s) => {
      if (!isObject(s) || typeof s.field !== "string") throw badRequest('sortby must be a list of {"field": …, "direction": "asc" | "desc"}.');
      return sortEntry(s.field, typeof s.direction === "string" ? s.direction.toLowerCase() : "asc");
    });
  } else throw badRequest('sortby must be a string (GET) or a list of {"field", "direction"} (POST).');
  if (new Set(sorts.map((s) => s.field)).size !== sorts.length) throw badRequest("sortby names a field twice.");
  return sorts.length ? sorts : DEFAULT_SORT;
}

function parseBbox(value: unknown): number[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const parts = typeof value === "string" ? value.split(",").map((v) => (v.trim() === "" ? NaN : Number(v))) : Array.isArray(value) ? value : undefined;
  const bad = (why: string) => badRequest(`bbox ${why}: give minx,miny,maxx,maxy (or six numbers with heights) in WGS 84 degrees.`);
  if (!parts || (parts.length !== 4 && parts.length !== 6) || !parts.every((n) => typeof n === "number" && Number.isFinite(n))) throw bad("must be four or six numbers");
  const [minx, miny, maxx, maxy] = parts.length === 4 ? parts : [parts[0], parts[1], parts[3], parts[4]];
  if ([minx, maxx].some((x) => x < -180 || x > 180) || [miny, maxy].some((y) => y < -90 || y > 90)) throw bad("lies outside -180..180, -90..90");
  if (miny > maxy) throw bad("has its southern edge north of its northern edge");
  if (parts.length === 6 && parts[2] > parts[5]) throw bad("has its lower height above its upper one");
  return parts as number[];
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function instant(text: string): number | undefined {
  if (text === "" || text === "..") return undefined;
  const t = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) throw badRequest(`datetime "${text}" is not an RFC 3339 date-time such as 2026-01-31T00:00:00Z.`);
  return t;
}

/** One instant, or an interval `start/end` with `..` (or nothing) for an open end. */
function parseDatetime(value: unknown): SearchParams["datetime"] {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw badRequest("datetime must be a string: an RFC 3339 date-time or an interval start/end.");
  const parts = value.split("/");
  if (parts.length > 2) throw badRequest("datetime takes one date-time or one interval start/end.");
  if (parts.length === 1) {
    const t = instant(parts[0]);
    if (t === undefined) throw badRequest("datetime must name a date-time.");
    return { start: t, end: t };
  }
  const [start, end] = parts.map(instant);
  if (start === undefined && end === undefined) throw badRequest("datetime interval is open at both ends.");
  if (start !== undefined && end !== undefined && start > end) throw badRequest("datetime interval ends before it starts.");
  return { start, end };
}

function parseIntersects(value: unknown): object | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || typeof value.type !== "string") throw badRequest("intersects must be a GeoJSON geometry object.");
  return value;
}

function parseToken(value: unknown): string | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw badRequest("token must be a string taken from a rel=next link.");
  return value;
}

function parseQ(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return stringList("q", value)?.map((t) => t.toLowerCase());
  return stringList("q", value)?.map((t) => t.toLowerCase());
}

function fromFields(f: Record<string, unknown>): SearchParams {
  if (f.bbox !== undefined && f.intersects !== undefined) throw badRequest("bbox and intersects cannot be combined.");
  return {
    collections: stringList("collections", f.collections),
    ids: stringList("ids", f.ids),
    q: parseQ(f.q),
    limit: parseLimit(f.limit),
    sortby: parseSortby(f.sortby),
    bbox: parseBbox(f.bbox),
    intersects: parseIntersects(f.intersects),
    datetime: parseDatetime(f.datetime),
    token: parseToken(f.token),
  };
}

/** GET /search and GET /collections/{id}/items. */
export function parseSearchQuery(query: URLSearchParams): SearchParams {
  const f: Record<string, unknown> = {};
  for (const key of ["collections", "ids", "q", "limit", "sortby", "bbox", "datetime", "token"]) {
    const all = query.getAll(key);
    if (all.length > 1) throw badRequest(`${key} is given more than once.`);
    if (all.length === 1) f[key] = all[0];
  }
  if (query.has("intersects")) {
    try {
      f.intersects = JSON.parse(query.get("intersects")!);
    } catch {
      throw badRequest("intersects must be a GeoJSON geometry object.");
    }
  }
  return fromFields(f);
}

/** POST /search: the body is a JSON object. */
export function parseSearchBody(body: unknown): SearchParams {
  if (!isObject(body)) throw badRequest("The search body must be a JSON object.");
  return fromFields(body);
}

/** The search as a query string, for rel=next links of GET searches. */
export function searchQuery(p: SearchParams, token: string, includeCollections = true): URLSearchParams {
  const q = new URLSearchParams();
  if (includeCollections && p.collections) q.set("collections", p.collections.join(","));
  if (p.ids) q.set("ids", p.ids.join(","));
  if (p.q) q.set("q", p.q.join(","));
  q.set("limit", String(p.limit));
  if (p.sortby !== DEFAULT_SORT) q.set("sortby", p.sortby.map((s) => `${s.direction === "desc" ? "-" : "+"}${s.field === "id" || s.field === "collection" ? s.field : `properties.${s.field}`}`).join(","));
  if (p.bbox) q.set("bbox", p.bbox.join(","));
  if (p.intersects) q.set("intersects", JSON.stringify(p.intersects));
  if (p.datetime) q.set("datetime", datetimeText(p.datetime));
  q.set("token", token);
  return q;
}

/** The search as a POST body, for rel=next links of POST searches. */
export function searchBody(p: SearchParams, token: string): Record<string, unknown> {
  return {
    ...(p.collections ? { collections: p.collections } : {}),
    ...(p.ids ? { ids: p.ids } : {}),
    ...(p.q ? { q: p.q } : {}),
    limit: p.limit,
    ...(p.sortby !== DEFAULT_SORT ? { sortby: p.sortby.map((s) => ({ field: s.field === "id" || s.field === "collection" ? s.field : `properties.${s.field}`, direction: s.direction })) } : {}),
    ...(p.bbox ? { bbox: p.bbox } : {}),
    ...(p.intersects ? { intersects: p.intersects } : {}),
    ...(p.datetime ? { datetime: datetimeText(p.datetime) } : {}),
    token,
  };
}

const iso = (t: number | undefined) => (t === undefined ? ".." : new Date(t).toISOString());
const datetimeText = (d: NonNullable<SearchParams["datetime"]>) => (d.start === d.end && d.start !== undefined ? iso(d.start) : `${iso(d.start)}/${iso(d.end)}`);
