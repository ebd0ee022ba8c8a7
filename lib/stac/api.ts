import { collection, hubUrls, item, itemCollection, landingPage, CONFORMANCE, type CollectionInfo, type Link, type VersionDetail } from "./documents";
import { badRequest, notFound, StacError } from "./errors";
import { parseProjectCollectionId, projectCollectionId } from "./ids";
import { openApi } from "./openapi";
import { parseSearchBody, parseSearchQuery, searchBody, searchQuery, type SearchParams } from "./params";
import { searchPage, type VersionRecord } from "./search";

/** A project the caller may read, as the gateway decides it, with its model versions. */
export interface ReadableProject {
  id: number;
  path: string;
  topics: readonly string[];
  /** Registered models the project has (a collection exists from the first one). */
  modelCount: number;
  records: VersionRecord[];
}

/** Where the API gets what it serves; the hub's implementation filters by the caller before answering. */
export interface CatalogSource {
  readable(): Promise<ReadableProject[]>;
  detail(record: VersionRecord): Promise<VersionDetail>;
}

/** A collection of every project carrying a GitLab topic (SharingHub's categories: `ai-model` = `sharinghub:aimodel`). */
export interface TopicCollection {
  id: string;
  topic: string;
}

export interface StacRequest {
  method: string;
  /** Path segments below /api/stac, decoded. */
  segments: string[];
  query: URLSearchParams;
  /** POST /search: the body as read, or undefined when it was not JSON. */
  body?: () => Promise<unknown>;
}

export interface StacResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

const JSON_HEADERS = { "content-type": "application/json" };
const GEOJSON_HEADERS = { "content-type": "application/geo+json" };

function projectInfo(p: ReadableProject): CollectionInfo {
  const start = p.records.length ? Math.min(...p.records.map((r) => r.created)) : undefined;
  return { id: projectCollectionId(p.id), title: p.path, description: `Registered models of the GitLab project ${p.path}.`, keywords: [...p.topics], start, project: { id: p.id, path: p.path } };
}

function topicInfo(t: TopicCollection, projects: ReadableProject[]): CollectionInfo {
  const records = projects.filter((p) => p.topics.includes(t.topic)).flatMap((p) => p.records);
  const start = records.length ? Math.min(...records.map((r) => r.created)) : undefined;
  return { id: t.id, title: t.id, description: `Registered models of every project with the GitLab topic ${t.topic}.`, keywords: [t.topic], start };
}

/** The records a collection holds: a project's own, or those of every project with the topic. */
function recordsOf(collectionId: string, projects: ReadableProject[], topics: readonly TopicCollection[]): VersionRecord[] | undefined {
  const topic = topics.find((t) => t.id === collectionId);
  if (topic) return projects.filter((p) => p.topics.includes(topic.topic)).flatMap((p) => p.records);
  const id = parseProjectCollectionId(collectionId);
  const project = id === undefined ? undefined : projects.find((p) => p.id === id && p.modelCount > 0);
  return project?.records;
}

/** Runs of at most `n` at a time: a page's items read their files from MLflow. */
async function mapLimited<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  }));
  return out;
}

/**
 * The STAC API: landing page, conformance, OpenAPI, collections, items and item search over what
 * `source` says the caller may read. Refusals are `{code, description}` (StacError).
 */
export function createStacApi(o: { hubUrl: string; topics: readonly TopicCollection[] }) {
  const u = hubUrls(o.hubUrl);
  const ok = (body: unknown, headers: Record<string, string> = JSON_HEADERS): StacResponse => ({ status: 200, body, headers });

  async function search(source: CatalogSource, records: VersionRecord[], p: SearchParams, next: (token: string) => Link) {
    const page = searchPage(records, p);
    const features = await mapLimited(page.records, 8, async (r) => item(u, r, await source.detail(r)));
    return itemCollection(features, page.next ? [next(page.next)] : [], page.matched);
  }

  function allCollections(projects: ReadableProject[]): CollectionInfo[] {
    return [...projects.filter((p) => p.modelCount > 0).map(projectInfo), ...o.topics.map((t) => topicInfo(t, projects))];
  }

  async function route(req: StacRequest, source: CatalogSource): Promise<StacResponse> {
    const [first, second, third, fourth, ...rest] = req.segments;
    const get = req.method === "GET" || req.method === "HEAD";
    const onlyGet = () => {
      if (!get) throw new StacError(405, "MethodNotAllowed", `${req.method} is not allowed here: use GET.`, { allow: "GET, HEAD" });
    };
    if (rest.length) throw notFound("No such STAC resource.");
    if (first === undefined) {
      onlyGet();
      return ok(landingPage(u, allCollections(await source.readable())));
    }
    if (first === "conformance" && second === undefined) {
      onlyGet();
      return ok({ conformsTo: CONFORMANCE });
    }
    if (first === "api" && second === undefined) {
      onlyGet();
      return ok(openApi(u.root), { "content-type": "application/vnd.oai.openapi+json;version=3.0" });
    }
    if (first === "search" && second === undefined) {
      let p: SearchParams;
      if (req.method === "POST") {
        const body = req.body ? await req.body() : undefined;
        p = parseSearchBody(body);
      } else if (get) p = parseSearchQuery(req.query);
      else throw new StacError(405, "MethodNotAllowed", `${req.method} is not allowed on /search: use GET or POST.`, { allow: "GET, HEAD, POST" });
      const projects = await source.readable();
      let records: VersionRecord[];
      if (p.collections) {
        const seen = new Set<string>();
        records = p.collections.flatMap((c) => recordsOf(c, projects, o.topics) ?? []).filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)));
      } else records = projects.flatMap((r) => r.records);
      const next: (token: string) => Link =
        req.method === "POST"
          ? (token) => ({ rel: "next", href: `${u.root}/search`, type: "application/geo+json", method: "POST", body: searchBody(p, token), merge: false })
          : (token) => ({ rel: "next", href: `${u.root}/search?${searchQuery(p, token)}`, type: "application/geo+json", method: "GET" });
      return ok(await search(source, records, p, next), GEOJSON_HEADERS);
    }
    if (first === "collections") {
      onlyGet();
      const projects = await source.readable();
      if (second === undefined) {
        return ok({
          collections: allCollections(projects).map((c) => collection(u, c)),
          links: [
            { rel: "self", href: `${u.root}/collections`, type: "application/json" },
            { rel: "root", href: u.root, type: "application/json" },
            { rel: "parent", href: u.root, type: "application/json" },
          ],
        });
      }
      const info = allCollections(projects).find((c) => c.id === second);
      const records = info ? recordsOf(second, projects, o.topics) : undefined;
      if (!info || !records) throw notFound(`Collection ${second} does not exist, or you may not read it.`);
      if (third === undefined) return ok(collection(u, info));
      if (third !== "items") throw notFound("No such STAC resource.");
      if (fourth === undefined) {
        if (req.query.has("collections")) throw badRequest("collections cannot be given on a collection's items: search /search instead.");
        const p = parseSearchQuery(req.query);
        const page = await search(source, records, p, (token) => ({ rel: "next", href: `${u.items(second)}?${searchQuery(p, token, false)}`, type: "application/geo+json", method: "GET" }));
        page.links.unshift({ rel: "self", href: u.items(second), type: "application/geo+json" }, { rel: "root", href: u.root, type: "application/json" }, { rel: "collection", href: u.collection(second), type: "application/json" });
        return ok(page, GEOJSON_HEADERS);
      }
      const record = records.find((r) => r.id === fourth);
      if (!record) throw notFound(`Item ${fourth} does not exist in collection ${second}, or you may not read it.`);
      return ok(item(u, record, await source.detail(record)), GEOJSON_HEADERS);
    }
    throw notFound("No such STAC resource.");
  }

  /** `source` is the catalog as this request's caller may read it. */
  return async function handle(req: StacRequest, source: CatalogSource | (() => Promise<CatalogSource>)): Promise<StacResponse> {
    try {
      return await route(req, typeof source === "function" ? await source() : source);
    } catch (e) {
      if (e instanceof StacError) return { status: e.status, body: e.body(), headers: { ...JSON_HEADERS, ...e.headers } };
      throw e;
    }
  };
}
