import { describe, expect, it } from "vitest";
import inventory from "./mlflow-routes.json";
import { matchRoute, type RouteEntry, routeTable } from "./routes";

interface InventoryRoute {
  path: string;
  methods: readonly string[];
  source: string;
}

/** Where the table and MLflow's inventory disagree, per (method, path). */
function inventoryDrift(served: readonly InventoryRoute[], table: readonly RouteEntry[]) {
  const key = (method: string, path: string) => `${method} ${path}`;
  const routes = new Set(served.flatMap((r) => r.methods.map((m) => key(m, r.path))));
  const classified = new Map<string, number>();
  for (const e of table) for (const m of e.methods) classified.set(key(m, e.path), (classified.get(key(m, e.path)) ?? 0) + 1);
  return {
    unclassified: [...routes].filter((k) => !classified.has(k)).sort(),
    notServed: [...classified.keys()].filter((k) => !routes.has(k)).sort(),
    classifiedTwice: [...classified].filter(([, n]) => n > 1).map(([k]) => k).sort(),
  };
}

const NO_DRIFT = { unclassified: [], notServed: [], classifiedTwice: [] };

/** A concrete path that the rule matches. */
const sample = (rule: string) => rule.replace(/<path:[^>]+>/g, "a/b.txt").replace(/<[^>]+>/g, "x1");

describe("the route table against MLflow's own inventory", () => {
  it("classifies every route the pinned MLflow serves exactly once, and nothing else", () => {
    expect(inventoryDrift(inventory, routeTable)).toEqual(NO_DRIFT);
  });

  it("a route MLflow serves that the table does not classify fails this suite", () => {
    const bumped = [...inventory, { path: "/api/3.0/mlflow/brand-new/create", methods: ["POST"], source: "flask" }];
    expect(inventoryDrift(bumped, routeTable).unclassified).toEqual(["POST /api/3.0/mlflow/brand-new/create"]);
  });

  it("an entry for a route MLflow no longer serves, or a route classified twice, fails this suite", () => {
    const stale = [...routeTable, { path: "/api/2.0/mlflow/runs/gone", methods: ["POST"], action: "write" } as const];
    expect(inventoryDrift(inventory, stale).notServed).toEqual(["POST /api/2.0/mlflow/runs/gone"]);
    const twice = [...routeTable, { path: "/api/2.0/mlflow/runs/get", methods: ["GET"], action: "delete" } as const];
    expect(inventoryDrift(inventory, twice).classifiedTwice).toEqual(["GET /api/2.0/mlflow/runs/get"]);
  });
});

describe("the route table as policy", () => {
  it("says why for every refused and public route", () => {
    const unexplained = routeTable.filter((e) => (e.action === "refused" || e.action === "public") && !e.reason?.trim());
    expect(unexplained.map((e) => e.path)).toEqual([]);
  });

  it("asks no checks of routes it refuses, and of public ones only the server-info rewrite", () => {
    const checked = routeTable.filter((e) => (e.action === "refused" || e.action === "public") && e.checks?.length && String(e.checks) !== "server-info");
    expect(checked.map((e) => e.path)).toEqual([]);
    expect(routeTable.filter((e) => e.checks?.includes("server-info")).map((e) => `${e.action} ${e.path}`)).toEqual([
      "public /api/3.0/mlflow/server-info",
      "public /ajax-api/3.0/mlflow/server-info",
    ]);
  });

  // MLflow answers these with URLs of the store it reaches, the internal MinIO (transfers.ts).
  it("has the gateway answer every presigned and multipart artifact route itself, under both prefixes", () => {
    for (const prefix of ["/api", "/ajax-api"]) {
      const at = (method: string, rest: string) => matchRoute(method, `${prefix}/2.0/${rest}`)?.entry;
      expect(at("POST", "mlflow-artifacts/mpu/create/workspaces/gitlab-1/1/r/artifacts")).toMatchObject({ action: "write", checks: ["artifact-path", "mpu-create"] });
      expect(at("POST", "mlflow-artifacts/mpu/complete/workspaces/gitlab-1/1/r/artifacts")).toMatchObject({ action: "write", checks: ["artifact-path", "mpu-complete"] });
      expect(at("POST", "mlflow-artifacts/mpu/abort/workspaces/gitlab-1/1/r/artifacts")).toMatchObject({ action: "write", checks: ["artifact-path", "mpu-abort"] });
      expect(at("GET", "mlflow-artifacts/presigned/workspaces/gitlab-1/1/r/artifacts/f")).toMatchObject({ action: "read", checks: ["artifact-path", "presigned-download"] });
      expect(at("POST", "mlflow/artifacts/presigned-download-url")).toMatchObject({ action: "read", checks: ["cloud-presigned-url"] });
      expect(at("POST", "mlflow/artifacts/presigned-upload-url")).toMatchObject({ action: "write", checks: ["cloud-presigned-url"] });
    }
  });

  it("checks the raw path of every artifact-proxy route", () => {
    const proxy = routeTable.filter((e) => e.path.includes("/mlflow-artifacts/"));
    expect(proxy.length).toBeGreaterThanOrEqual(16);
    expect(proxy.filter((e) => !e.checks?.includes("artifact-path")).map((e) => e.path)).toEqual([]);
  });

  it("checks the source of every model version created, under both prefixes", () => {
    for (const prefix of ["/api", "/ajax-api"]) {
      expect(matchRoute("POST", `${prefix}/2.0/mlflow/model-versions/create`)?.entry.checks).toContain("model-version-source");
    }
    expect(matchRoute("GET", "/model-versions/get-artifact")?.entry.checks).toContain("model-version-artifact");
  });

  it("classifies the /api/ and /ajax-api/ forms of an rpc alike", () => {
    const byKey = new Map(routeTable.flatMap((e) => e.methods.map((m) => [`${m} ${e.path}`, e] as const)));
    const differing = routeTable.flatMap((e) =>
      e.path.startsWith("/api/")
        ? e.methods.filter((m) => {
            const twin = byKey.get(`${m} ${e.path.replace(/^\/api\//, "/ajax-api/")}`);
            return !twin || twin.action !== e.action || String(twin.checks) !== String(e.checks);
          })
        : [],
    );
    expect(differing).toEqual([]);
  });

  it("refuses workspace management, webhooks, the AI gateway, the assistant and MCP servers", () => {
    const refused = (method: string, path: string) => matchRoute(method, path)?.entry.action;
    expect(refused("POST", "/api/3.0/mlflow/workspaces")).toBe("refused");
    expect(refused("DELETE", "/ajax-api/3.0/mlflow/workspaces/gitlab-2")).toBe("refused");
    expect(refused("POST", "/api/2.0/mlflow/webhooks/abc/test")).toBe("refused");
    expect(refused("POST", "/api/3.0/mlflow/gateway/secrets/create")).toBe("refused");
    expect(refused("POST", "/gateway/openai/v1/chat/completions")).toBe("refused");
    expect(refused("POST", "/ajax-api/2.0/mlflow/gateway-proxy")).toBe("refused");
    expect(refused("POST", "/ajax-api/3.0/mlflow/assistant/message")).toBe("refused");
    expect(refused("GET", "/api/3.0/mlflow/mcp-servers")).toBe("refused");
    expect(refused("POST", "/ajax-api/3.0/jobs/")).toBe("refused");
    expect(matchRoute("GET", "/api/3.0/mlflow/workspaces")?.entry.checks).toEqual(["workspace-list"]);
  });
});

describe("matchRoute", () => {
  it("matches an rpc under both /api/ and /ajax-api/", () => {
    for (const prefix of ["/api", "/ajax-api"]) {
      const match = matchRoute("POST", `${prefix}/2.0/mlflow/runs/create`);
      expect(match?.entry).toMatchObject({ path: `${prefix}/2.0/mlflow/runs/create`, action: "write", checks: ["run-create"] });
      expect(match?.params).toEqual({});
    }
  });

  it("gives a path parameter everything after its prefix, slashes included", () => {
    const path = "/api/2.0/mlflow-artifacts/artifacts/workspaces/gitlab-7/3/0a1b/artifacts/model/MLmodel";
    expect(matchRoute("GET", path)).toEqual({
      entry: expect.objectContaining({ path: "/api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>", action: "read" }),
      params: { artifact_path: "workspaces/gitlab-7/3/0a1b/artifacts/model/MLmodel" },
    });
    expect(matchRoute("PUT", path)?.entry.action).toBe("write");
    expect(matchRoute("DELETE", path)?.entry.action).toBe("delete");
  });

  it("binds one-segment parameters, also inside a segment", () => {
    expect(matchRoute("DELETE", "/ajax-api/2.0/mlflow/logged-models/m-1/tags/stage")?.params).toEqual({ model_id: "m-1", tag_key: "stage" });
    expect(matchRoute("POST", "/gateway/gemini/v1beta/models/chat:streamGenerateContent")).toMatchObject({
      entry: { path: "/gateway/gemini/v1beta/models/<endpoint_name>:streamGenerateContent" },
      params: { endpoint_name: "chat" },
    });
  });

  it("prefers a static route to a parameter, as MLflow does", () => {
    expect(matchRoute("GET", "/api/3.0/mlflow/traces/get")?.entry.path).toBe("/api/3.0/mlflow/traces/get");
    expect(matchRoute("POST", "/api/2.0/mlflow/logged-models/search")?.entry.path).toBe("/api/2.0/mlflow/logged-models/search");
    // Flask too falls through to the parametrised rule when the static one lacks the method.
    expect(matchRoute("GET", "/api/2.0/mlflow/logged-models/search")).toMatchObject({
      entry: { path: "/api/2.0/mlflow/logged-models/<model_id>" },
      params: { model_id: "search" },
    });
  });

  it("knows no route with a trailing segment, a trailing slash or an empty path parameter", () => {
    expect(matchRoute("POST", "/api/2.0/mlflow/runs/create/extra")).toBeUndefined();
    expect(matchRoute("GET", "/api/2.0/mlflow/runs/get/")).toBeUndefined();
    expect(matchRoute("GET", "/api/2.0/mlflow-artifacts/artifacts/")).toBeUndefined();
    expect(matchRoute("GET", "/api/2.0/mlflow-artifacts/artifacts//etc/passwd")).toBeUndefined();
    expect(matchRoute("GET", "/no/such/route")).toBeUndefined();
  });

  it("knows no route for a method MLflow does not serve there", () => {
    expect(matchRoute("GET", "/api/2.0/mlflow/runs/create")).toBeUndefined();
    expect(matchRoute("POST", "/api/2.0/mlflow-artifacts/artifacts/workspaces/gitlab-7/1/x")).toBeUndefined();
    expect(matchRoute("OPTIONS", "/health")).toBeUndefined();
  });

  it("matches HEAD as GET", () => {
    expect(matchRoute("HEAD", "/static-files/static/js/main.js")).toMatchObject({ entry: { action: "public" }, params: { path: "static/js/main.js" } });
  });

  it("finds every entry of the table from a path its rule matches", () => {
    const misrouted = routeTable.flatMap((e) =>
      e.methods.filter((m) => matchRoute(m, sample(e.path))?.entry !== e).map((m) => `${m} ${e.path}`),
    );
    expect(misrouted).toEqual([]);
  });

  it("never lets a static Flask route win where the server would run a FastAPI route", () => {
    const fastapi = (inventory as InventoryRoute[]).filter((r) => r.source === "fastapi" && r.path.includes("<"));
    const patterns = fastapi.map((r) => ({
      methods: r.methods,
      re: new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/<path:[^>]+>/g, ".+").replace(/<[^>]+>/g, "[^/]+")}$`),
    }));
    const shadowed = (inventory as InventoryRoute[])
      .filter((r) => r.source === "flask" && !r.path.includes("<"))
      .filter((r) => patterns.some((p) => p.re.test(r.path) && p.methods.some((m) => r.methods.includes(m))));
    expect(shadowed).toEqual([]);
  });
});
