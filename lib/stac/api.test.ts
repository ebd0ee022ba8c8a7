import { describe, expect, it } from "vitest";
import { createStacApi, type ReadableProject } from "./api";
import type { VersionDetail } from "./documents";
import { itemId } from "./ids";
import type { VersionRecord } from "./search";

const HUB = "https://hub.example.com/";

function project(id: number, path: string, topics: string[], versions: number): ReadableProject {
  const records: VersionRecord[] = Array.from({ length: versions }, (_, i) => ({
    id: itemId(id, "Flood model", String(i + 1)),
    collection: `gitlab-${id}`,
    projectId: id,
    projectPath: path,
    topics,
    modelName: "Flood model",
    version: String(i + 1),
    created: Date.UTC(2026, 0, 1 + i),
    updated: Date.UTC(2026, 0, 1 + i),
    title: `Flood model v${i + 1}`,
    text: `flood model ${path}`,
  }));
  return { id, path, topics, modelCount: 1, records };
}

const detail: VersionDetail = { aliases: ["champion"], tags: {}, params: [], metrics: { accuracy: 0.9 }, runId: "abc" };
const projects = [project(101, "ml-team/flood", ["sharinghub:aimodel"], 3), project(103, "open/public", [], 2)];
const api = createStacApi({ hubUrl: HUB, topics: [{ id: "ai-model", topic: "sharinghub:aimodel" }] });
const source = { readable: async () => projects, detail: async () => detail };
const get = (path: string, query = "") => api({ method: "GET", segments: path.split("/").filter(Boolean), query: new URLSearchParams(query) }, source);
const post = (path: string, body: unknown) => api({ method: "POST", segments: path.split("/").filter(Boolean), query: new URLSearchParams(), body: async () => body }, source);
const links = (doc: unknown) => (doc as { links: { rel: string; href: string; method?: string; body?: Record<string, unknown> }[] }).links;

describe("STAC API", () => {
  it("the landing page claims the classes pystac-client needs and links search (GET and POST), service-desc and every collection, at the hub's public URL", async () => {
    const res = await get("");
    const body = res.body as { conformsTo: string[] };
    for (const c of ["core", "collections", "ogcapi-features", "item-search"]) expect(body.conformsTo).toContain(`https://api.stacspec.org/v1.0.0/${c}`);
    const rels = links(res.body);
    expect(rels.filter((l) => l.rel === "search").map((l) => l.method)).toEqual(["GET", "POST"]);
    expect(rels.find((l) => l.rel === "service-desc")?.href).toBe("https://hub.example.com/api/stac/api");
    expect(rels.filter((l) => l.rel === "child").map((l) => l.href)).toEqual([
      "https://hub.example.com/api/stac/collections/gitlab-101",
      "https://hub.example.com/api/stac/collections/gitlab-103",
      "https://hub.example.com/api/stac/collections/ai-model",
    ]);
  });

  it("a project collection links its tracking URI and dashboard; the topic collection holds only projects with the topic", async () => {
    const c = await get("collections/gitlab-101");
    expect(links(c.body).find((l) => l.rel === "mlflow:tracking-uri")?.href).toBe("https://hub.example.com/mlflow/ml-team/flood/tracking/");
    const topic = await get("collections/ai-model/items", "limit=100");
    expect((topic.body as { features: { collection: string }[] }).features.map((f) => f.collection)).toEqual(["gitlab-101", "gitlab-101", "gitlab-101"]);
  });

  it("an item names its version and its aliases as mlflow:uri, and serves its model through the gateway by project id", async () => {
    const id = itemId(101, "Flood model", "2");
    const res = await get(`collections/gitlab-101/items/${id}`);
    expect(res.status).toBe(200);
    const uris = links(res.body).filter((l) => l.rel === "mlflow:model").map((l) => (l as unknown as Record<string, string>)["mlflow:uri"]);
    expect(uris).toEqual(["models:/Flood model/2", "models:/Flood model@champion"]);
    const assets = (res.body as { assets: Record<string, { href: string; roles: string[] }> }).assets;
    expect(assets.model.href).toBe("https://hub.example.com/mlflow/101/tracking/model-versions/get-artifact?name=Flood%20model&version=2&path=MLmodel");
    expect(assets.model.roles).toContain("mlm:model");
  });

  it("an unknown or unreadable collection or item is a 404 in the OGC error shape", async () => {
    for (const path of ["collections/gitlab-102", "collections/gitlab-102/items", `collections/gitlab-101/items/${itemId(103, "Flood model", "1")}`, "nothing"]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body).toMatchObject({ code: "NotFound" });
    }
  });

  it("POST search pages with a POST next link carrying the body; GET search with a query", async () => {
    const first = await post("search", { collections: ["gitlab-101", "gitlab-103"], limit: 2 });
    const next = links(first.body).find((l) => l.rel === "next")!;
    expect(next).toMatchObject({ method: "POST", href: "https://hub.example.com/api/stac/search", merge: false });
    expect(next.body).toMatchObject({ collections: ["gitlab-101", "gitlab-103"], limit: 2 });
    const seen = (first.body as { features: { id: string }[] }).features.map((f) => f.id);
    let body = next.body;
    while (body) {
      const page = await post("search", body);
      seen.push(...(page.body as { features: { id: string }[] }).features.map((f) => f.id));
      body = links(page.body).find((l) => l.rel === "next")?.body;
    }
    expect(new Set(seen).size).toBe(5);

    const g = await get("search", "limit=4&q=public");
    expect((g.body as { features: unknown[] }).features).toHaveLength(2);
    expect(links(g.body).find((l) => l.rel === "next")).toBeUndefined();
    const g2 = await get("search", "limit=1");
    expect(links(g2.body).find((l) => l.rel === "next")?.href).toMatch(/^https:\/\/hub\.example\.com\/api\/stac\/search\?limit=1&token=/);
  });

  it("bad parameters are a 400 and a wrong method a 405", async () => {
    expect((await get("search", "limit=0")).status).toBe(400);
    expect((await post("search", "[]")).status).toBe(400);
    expect((await post("collections", {})).status).toBe(405);
  });
});
