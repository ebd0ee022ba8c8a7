import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { PORT_OFFSETS } from "../../infra/local/ports.ts";
import { startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";
import { bearer, newSession as newSessionIn } from "./hub-clients.ts";

// A stack of its own: these tests stop its dependencies one at a time.
const OFFSET = PORT_OFFSETS.faults;
const STATE = path.join(REPO_ROOT, ".local", "test-faults");
let stack: Stack;

const tracking = (project = "ml-team/flood-detection") => `${stack.env.AUTH_URL}/mlflow/${project}/tracking`;

async function search(headers: Record<string, string>, project?: string) {
  const res = await fetch(`${tracking(project)}/api/2.0/mlflow/experiments/search`, {
    method: "POST",
    // As the stock UI sends it: a cookie-authenticated POST names the hub's origin (the gateway refuses others).
    headers: { "content-type": "application/json", origin: stack.env.AUTH_URL, ...headers },
    body: JSON.stringify({ max_results: 1 }),
  });
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: (await res.json()) as { error_code?: string } };
}

const newSession = () => newSessionIn(stack.env.DATABASE_URL, "fault");

beforeAll(async () => {
  fs.rmSync(STATE, { recursive: true, force: true });
  stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "prod" });
});
afterAll(() => stopStackAt(STATE));

describe("a dependency going down and coming back, without restarting the hub", () => {
  it("GitLab down: cached permissions still serve, new callers get 503 JSON, and all recovers when GitLab returns", async () => {
    expect((await search(bearer("glpat-alice-demo"))).status).toBe(200);
    await stack.stopOne("gitlab-dev");
    try {
      expect((await search(bearer("glpat-alice-demo"))).status).toBe(200);
      const fresh = await search(bearer("glpat-bob-demo"));
      expect(fresh).toMatchObject({ status: 503, body: { error_code: "TEMPORARILY_UNAVAILABLE" } });
      expect(fresh.type).toContain("application/json");
      // Still ready for its load balancer (it serves what is cached), and says what is missing.
      const ready = await fetch(`${stack.env.AUTH_URL}/api/ready`);
      const body = (await ready.json()) as { status: string; dependencies: { name: string; ok: boolean }[] };
      expect(ready.status).toBe(200);
      expect(body.status).toBe("degraded");
      expect(body.dependencies.find((d) => d.name === "GitLab")?.ok).toBe(false);
    } finally {
      await stack.startOne("gitlab-dev");
    }
    expect((await search(bearer("glpat-bob-demo"))).status).toBe(200);
  });

  it("MLflow down: 503 JSON, and requests work again once MLflow is back", async () => {
    await stack.stopOne("mlflow");
    try {
      expect(await search(bearer("glpat-alice-demo"))).toMatchObject({ status: 503, body: { error_code: "TEMPORARILY_UNAVAILABLE" } });
    } finally {
      await stack.startOne("mlflow");
    }
    expect((await search(bearer("glpat-alice-demo"))).status).toBe(200);
  });

  it("the hub's database down: a browser session gets 503 JSON, and works again once the database is back", async () => {
    const early = await newSession();
    expect((await search({ cookie: `authjs.session-token=${early}` })).status).toBe(200);
    const late = await newSession();
    await stack.stopOne("postgres");
    try {
      expect(await search({ cookie: `authjs.session-token=${late}` })).toMatchObject({ status: 503, body: { error_code: "TEMPORARILY_UNAVAILABLE" } });
      const ready = await fetch(`${stack.env.AUTH_URL}/api/ready`);
      expect(ready.status).toBe(503);
    } finally {
      await stack.startOne("postgres");
    }
    expect((await search({ cookie: `authjs.session-token=${late}` })).status).toBe(200);
  });
});
