/** The projects page's state lives in its URL (?q=&page=&all=1), so a list is linkable and the back button works. */
export interface ProjectListParams {
  q: string;
  page: number;
  /** Also projects the viewer reaches through their visibility (public, internal), not only memberships. */
  all: boolean;
}

export const PROJECTS_PER_PAGE = 20;

type RawParams = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

export function parseListParams(raw: RawParams): ProjectListParams {
  const page = Number(first(raw.page));
  return {
    q: (first(raw.q) ?? "").trim().slice(0, 200),
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
    all: first(raw.all) === "1",
  };
}

/** The list's URL for other params; defaults are left out so the plain page stays "/". */
export function listHref(p: ProjectListParams): string {
  const q = new URLSearchParams();
  if (p.q) q.set("q", p.q);
  if (p.all) q.set("all", "1");
  if (p.page > 1) q.set("page", String(p.page));
  const s = q.toString();
  return s ? `/?${s}` : "/";
}

/**
 * GitLab's GET /projects query for the page: memberships (or everything the
 * viewer can see), the instance's mandatory topics, the search over names and
 * namespaces, most recently active first.
 */
export function gitlabProjectsQuery(p: ProjectListParams, mandatoryTopics: readonly string[], perPage = PROJECTS_PER_PAGE): string {
  const q = new URLSearchParams({ order_by: "last_activity_at", sort: "desc", page: String(p.page), per_page: String(perPage) });
  if (!p.all) q.set("membership", "true");
  if (mandatoryTopics.length) q.set("topic", mandatoryTopics.join(","));
  if (p.q) {
    q.set("search", p.q);
    q.set("search_namespaces", "true");
  }
  return q.toString();
}

export interface Pagination {
  page: number;
  perPage: number;
  /** GitLab leaves the totals out for very large collections. */
  total?: number;
  totalPages?: number;
  nextPage?: number;
  prevPage?: number;
}

const positive = (v: string | null) => {
  const n = Number(v);
  return v && Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/** GitLab's offset-pagination headers (X-Page, X-Per-Page, X-Total, X-Total-Pages, X-Next-Page, X-Prev-Page). */
export function readPagination(headers: Pick<Headers, "get">, asked: ProjectListParams, perPage = PROJECTS_PER_PAGE): Pagination {
  const total = headers.get("x-total");
  return {
    page: positive(headers.get("x-page")) ?? asked.page,
    perPage: positive(headers.get("x-per-page")) ?? perPage,
    total: total !== null && total !== "" && Number.isSafeInteger(Number(total)) ? Number(total) : undefined,
    totalPages: positive(headers.get("x-total-pages")),
    nextPage: positive(headers.get("x-next-page")),
    prevPage: positive(headers.get("x-prev-page")),
  };
}

/** "21–40 of 57": the rows a page shows, when GitLab said how many there are. */
export function pageRange(p: Pagination, shown: number): string {
  if (shown === 0) return "";
  const from = (p.page - 1) * p.perPage + 1;
  const to = from + shown - 1;
  const fmt = new Intl.NumberFormat("en");
  return p.total === undefined ? `${fmt.format(from)}–${fmt.format(to)}` : `${fmt.format(from)}–${fmt.format(to)} of ${fmt.format(p.total)}`;
}

/** A count read with one capped page: "1,000+" when MLflow had more than the page held. */
export interface CappedCount {
  n: number;
  capped: boolean;
}

export const countLabel = (c: CappedCount) => `${new Intl.NumberFormat("en").format(c.n)}${c.capped ? "+" : ""}`;

/** The page size for counts: one request per count, "+" beyond it. */
export const COUNT_CAP = 1000;
