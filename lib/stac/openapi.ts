import { DEFAULT_LIMIT, MAX_LIMIT } from "./params";

const json = (description: string, type = "application/json") => ({ description, content: { [type]: { schema: { type: "object" } } } });
const error = { description: "A refusal: {code, description}", content: { "application/json": { schema: { $ref: "#/components/schemas/Exception" } } } };
const q = (name: string, description: string, schema: object = { type: "string" }) => ({ name, in: "query", required: false, description, schema });

const searchParams = [
  q("ids", "Item ids, comma-separated"),
  q("q", "Free-text terms, comma-separated; an item matches if any term is found in its model name, description, tags, aliases or project path"),
  q("limit", `Items per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`, { type: "integer", minimum: 1, maximum: MAX_LIMIT }),
  q("sortby", "Fields, comma-separated, each prefixed + (ascending) or - (descending): id, collection, properties.datetime, properties.created, properties.updated, properties.title"),
  q("datetime", "An RFC 3339 date-time or an interval start/end (.. for an open end), compared to the version's creation"),
  q("bbox", "minx,miny,maxx,maxy: models have no footprint, so no item matches a spatial filter"),
  q("token", "Paging token from a rel=next link"),
];

/** The OpenAPI 3.0 description the landing page's service-desc link names. */
export function openApi(root: string) {
  return {
    openapi: "3.0.3",
    info: { title: "MLflow Hub STAC API", version: "1.0.0", description: "Registered model versions of the GitLab projects the caller may read, as STAC 1.1.0 Items with the MLM extension v1.5.2." },
    servers: [{ url: root }],
    paths: {
      "/": { get: { summary: "Landing page", responses: { "200": json("The catalog, with conformsTo"), default: error } } },
      "/conformance": { get: { summary: "Conformance classes", responses: { "200": json("conformsTo"), default: error } } },
      "/api": { get: { summary: "This description", responses: { "200": json("OpenAPI 3.0", "application/vnd.oai.openapi+json;version=3.0") } } },
      "/collections": { get: { summary: "Collections: one per project with registered models, and the topic collections", responses: { "200": json("Collections"), default: error } } },
      "/collections/{collectionId}": {
        get: { summary: "One collection", parameters: [{ name: "collectionId", in: "path", required: true, schema: { type: "string" } }], responses: { "200": json("Collection"), "404": error } },
      },
      "/collections/{collectionId}/items": {
        get: {
          summary: "The collection's items",
          parameters: [{ name: "collectionId", in: "path", required: true, schema: { type: "string" } }, ...searchParams],
          responses: { "200": json("Items", "application/geo+json"), "400": error, "404": error },
        },
      },
      "/collections/{collectionId}/items/{itemId}": {
        get: {
          summary: "One item",
          parameters: [
            { name: "collectionId", in: "path", required: true, schema: { type: "string" } },
            { name: "itemId", in: "path", required: true, schema: { type: "string" } },
          ],
          responses: { "200": json("Item", "application/geo+json"), "404": error },
        },
      },
      "/search": {
        get: { summary: "Item search", parameters: [q("collections", "Collection ids, comma-separated"), ...searchParams], responses: { "200": json("Items", "application/geo+json"), "400": error } },
        post: {
          summary: "Item search",
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Search" } } } },
          responses: { "200": json("Items", "application/geo+json"), "400": error },
        },
      },
    },
    components: {
      schemas: {
        Exception: { type: "object", required: ["code", "description"], properties: { code: { type: "string" }, description: { type: "string" } } },
        Search: {
          type: "object",
          properties: {
            collections: { type: "array", items: { type: "string" } },
            ids: { type: "array", items: { type: "string" } },
            q: { oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] },
            limit: { type: "integer", minimum: 1, maximum: MAX_LIMIT },
            sortby: { type: "array", items: { type: "object", required: ["field"], properties: { field: { type: "string" }, direction: { type: "string", enum: ["asc", "desc"] } } } },
            datetime: { type: "string" },
            bbox: { type: "array", items: { type: "number" } },
            intersects: { type: "object" },
            token: { type: "string" },
          },
        },
      },
    },
  };
}
