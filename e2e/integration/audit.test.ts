import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite through scripts/test (it starts the stack and exports its environment)`);
  return value;
}

const tracking = () => `${env("AUTH_URL")}/mlflow/ml-team/flood-detection/tracking`;
const call = (token: string, route: string, body: unknown) =>
  fetch(`${tracking()}${route}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });

async function auditRows(since: Date) {
  const client = new pg.Client({ connectionString: env("DATABASE_URL") });
  await client.connect();
  try {
    return (
      await client.query<{ route: string; method: string; action: string; outcome: string; status: number; project_id: number | null; project_path: string | null; detail: string | null }>(
        "select route, method, action::text, outcome::text, status, project_id, project_path, detail from audit_events where time >= $1 order by time",
        [since],
      )
    ).rows;
  }
  finally {
    await client.end();
  }
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("audit trail and metrics", () => {
  it("records a write and a denied write as audit events, without the caller's token", async () => {
    const since = new Date();
    const name = `audited-${randomUUID()} (101)`;
    expect((await call("glpat-bob-demo", "/api/2.0/mlflow/experiments/create", { name })).status).toBe(200);
    expect((await call("glpat-carol-demo", "/api/2.0/mlflow/experiments/create", { name: `${name}-denied` })).status).toBe(403);
    expect((await call("glpat-bob-demo", "/api/2.0/mlflow/experiments/search", { max_results: 1 })).status).toBe(200);

    const isCreate = (r: { route: string }) => r.route === "/api/2.0/mlflow/experiments/create";
    const rows = await eventually(() => auditRows(since), (r) => r.some((x) => isCreate(x) && x.status === 200) && r.some((x) => isCreate(x) && x.status === 403));
    const creates = rows.filter(isCreate);
    expect(creates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: "POST", action: "write", outcome: "allowed", status: 200, project_id: 101, project_path: "ml-team/flood-detection" }),
        expect.objectContaining({ method: "POST", action: "write", outcome: "denied", status: 403, project_id: 101, detail: "PERMISSION_DENIED" }),
      ]),
    );
    // Reads that were allowed are not audited (the metrics count them).
    expect(rows.some((r) => r.route === "/api/2.0/mlflow/experiments/search" && r.outcome === "allowed")).toBe(false);
    expect(JSON.stringify(rows)).not.toMatch(/glpat-/);
  });

  it("records a refusal for a project the caller cannot see without naming the project", async () => {
    const since = new Date();
    expect((await call("glpat-oscar-demo", "/api/2.0/mlflow/experiments/create", { name: "nope" })).status).toBe(404);
    const rows = await eventually(() => auditRows(since), (r) => r.some((x) => x.detail === "RESOURCE_DOES_NOT_EXIST"));
    expect(rows.find((r) => r.detail === "RESOURCE_DOES_NOT_EXIST")).toMatchObject({ outcome: "denied", status: 404, project_id: null, project_path: null });
  });

  it("exposes gateway request counts by action and outcome, and GitLab calls, at /metrics", async () => {
    const text = await (await fetch(`${env("AUTH_URL")}/metrics`, { headers: { authorization: `Bearer ${env("METRICS_TOKEN")}` } })).text();
    expect(text).toMatch(/mlflow_hub_gateway_request_duration_seconds_count\{action="write",outcome="allowed",status="200"\} [1-9]/);
    expect(text).toMatch(/mlflow_hub_gateway_request_duration_seconds_count\{action="write",outcome="denied",status="403"\} [1-9]/);
    expect(text).toMatch(/mlflow_hub_gitlab_api_calls_total\{endpoint="projects\/:id",status="200"\} [1-9]/);
    expect(text).toMatch(/mlflow_hub_access_cache_lookups_total\{result="hit"\} [1-9]/);
  });
});
