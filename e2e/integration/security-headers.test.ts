import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_DATA_POLICY, MLFLOW_UI_POLICY } from "../../lib/gateway/content-policy.ts";

// The headers browsers get from the suite's shared stack (issue 11): a per-request nonce CSP on
// every hub page, the strictest policy the stock MLflow UI works under on its page, a sandbox on
// whatever else the gateway answers (uploaded artifacts above all), and /metrics behind its token.

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite through scripts/test (it starts the stack and exports its environment)`);
  return value;
}

const PROJECT = "ml-team/flood-detection";
const tracking = () => `${env("AUTH_URL")}/mlflow/${PROJECT}/tracking`;
const bob = { authorization: "Bearer glpat-bob-demo" };
let cookie: string;
let runId: string;
let artifactRoot: string;
let model: string;

async function rest(route: string, body: unknown) {
  const res = await fetch(`${tracking()}/api/2.0/mlflow/${route}`, { method: "POST", headers: { ...bob, "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status, `${route}: ${await res.clone().text()}`).toBe(200);
  return res.json();
}

/** A signed-in browser session for bob, stored the way Auth.js stores one. */
async function bobSession(): Promise<string> {
  const client = new pg.Client({ connectionString: env("DATABASE_URL") });
  await client.connect();
  try {
    const userId = randomUUID();
    const token = randomBytes(24).toString("hex");
    await client.query("insert into users (id, name, email) values ($1, 'Bob', $2)", [userId, `bob+${userId}@example.com`]);
    await client.query("insert into accounts (id, user_id, type, provider, provider_account_id, access_token) values ($1, $2, 'oauth', 'gitlab', $3, 'glpat-bob-demo')", [randomUUID(), userId, `headers-${userId}`]);
    await client.query("insert into sessions (id, session_token, user_id, expires) values ($1, $2, $3, now() + interval '1 hour')", [randomUUID(), token, userId]);
    return `authjs.session-token=${token}`;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  cookie = await bobSession();
  const suffix = Date.now().toString(36);
  const { experiment_id } = await rest("experiments/create", { name: `headers-${suffix} (101)` });
  const { run } = await rest("runs/create", { experiment_id, start_time: Date.now() });
  runId = run.info.run_id;
  artifactRoot = (run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
  const put = await fetch(`${tracking()}/api/2.0/mlflow-artifacts/artifacts/${artifactRoot}/report.html`, {
    method: "PUT",
    headers: { ...bob, "content-type": "text/html" },
    body: "<script>fetch('/mlflow/ml-team/flood-detection/tracking/ajax-api/2.0/mlflow/experiments/search')</script>",
  });
  expect(put.status).toBe(200);
  model = `headers-model-${suffix}`;
  await rest("registered-models/create", { name: model });
  await rest("model-versions/create", { name: model, source: `mlflow-artifacts:/${artifactRoot}`, run_id: runId });
});

const nonceOf = (csp: string | null) => /'nonce-([^']+)'/.exec(csp ?? "")?.[1];

describe("the hub's pages", () => {
  const pages = [
    { what: "sign-in", path: "/signin", signedIn: false },
    { what: "status", path: "/status", signedIn: false },
    { what: "projects", path: "/", signedIn: true },
    { what: "project dashboard", path: `/projects/${PROJECT}`, signedIn: true },
    { what: "run page", path: `/projects/${PROJECT}/runs/${"0".repeat(32)}`, signedIn: true },
    { what: "admin (not-found for a non-admin)", path: "/admin", signedIn: true },
    { what: "not-found", path: "/no-such-page", signedIn: false },
    { what: "a page that sends a signed-out visitor to sign in", path: `/projects/${PROJECT}`, signedIn: false },
  ];

  it.each(pages)("$what carries a CSP with a fresh nonce, strict-dynamic and frame-ancestors 'none', nosniff, a same-origin referrer and no HSTS", async ({ path, signedIn }) => {
    const get = () => fetch(`${env("AUTH_URL")}${path}`, { headers: signedIn ? { cookie } : {}, redirect: "manual" });
    const [a, b] = [await get(), await get()];
    const csp = a.headers.get("content-security-policy");
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}' 'strict-dynamic'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(nonceOf(csp)).not.toBe(nonceOf(b.headers.get("content-security-policy")));
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("referrer-policy")).toBe("same-origin");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
    expect(a.headers.get("strict-transport-security")).toBeNull();
  });

  it("stamps the header's nonce on every script the page carries, and the sign-in form may post to GitLab", async () => {
    const res = await fetch(`${env("AUTH_URL")}/signin`);
    const csp = res.headers.get("content-security-policy");
    const html = await res.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonceOf(csp)}"`);
    expect(csp).toContain(`form-action 'self' ${new URL(env("GITLAB_URL")).origin}`);
  });

  it("the hub's API answers are not sniffed either", async () => {
    const res = await fetch(`${env("AUTH_URL")}/api/health`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("the gateway", () => {
  it("serves the stock MLflow UI's page under the UI's policy", async () => {
    const res = await fetch(`${tracking()}/`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("content-security-policy")).toBe(MLFLOW_UI_POLICY);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("same-origin");
    // The page's scripts are files of its own origin, which script-src 'self' runs: no inline one to allow.
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it.each([
    ["get-artifact", () => `/get-artifact?path=report.html&run_uuid=${runId}`],
    ["the artifact proxy", () => `/api/2.0/mlflow-artifacts/artifacts/${artifactRoot}/report.html`],
    ["model-versions/get-artifact", () => `/model-versions/get-artifact?path=report.html&name=${encodeURIComponent(model)}&version=1`],
  ])("downloads an uploaded .html artifact through %s as an attachment, unsniffed, sandboxed with nothing allowed", async (_, route) => {
    const res = await fetch(`${tracking()}${route()}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toBe(GATEWAY_DATA_POLICY);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename=/);
    expect(await res.text()).toContain("<script>");
  });

  it("sandboxes its own refusals and MLflow's JSON too", async () => {
    const res = await fetch(`${tracking()}/ajax-api/2.0/mlflow/experiments/search?max_results=1`, { headers: { authorization: "Bearer glpat-oscar-demo" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-security-policy")).toBe(GATEWAY_DATA_POLICY);
  });
});

describe("/metrics", () => {
  it("answers only the METRICS_TOKEN the stack was given", async () => {
    const scrape = (headers: Record<string, string>) => fetch(`${env("AUTH_URL")}/metrics`, { headers });
    const none = await scrape({});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="metrics"');
    expect((await scrape({ authorization: "Bearer not-the-token" })).status).toBe(401);
    expect((await scrape({ authorization: `Basic ${Buffer.from(`x:${env("METRICS_TOKEN")}`).toString("base64")}` })).status).toBe(401);
    const ok = await scrape({ authorization: `Bearer ${env("METRICS_TOKEN")}` });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("mlflow_hub_gateway_request_duration_seconds");
  });
});
