import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLOOD, HUB_URL, query, send, tracking, TOKENS, type Reply } from "./hub.ts";
import { describeAnswer, gatewayRefusal } from "./refusals.ts";

// Cross-site request forgery through the gateway: a page elsewhere makes bob's browser send
// his hub session cookie with a write into a project he may write to. SameSite=Lax keeps the
// cookie off cross-site POSTs in today's browsers, but not off requests from a sibling host of
// the same site (an artifact store published under a subdomain serves user-uploaded HTML), and
// MLflow's own Origin check trusts every http://localhost:* origin. The gateway refuses such
// writes itself, before anything is looked up.

const T101 = tracking(FLOOD.path);
const HUB = HUB_URL.origin;
let db: pg.Client;
let bobSession: string;

/** A signed-in browser session for bob (Developer of 101), stored the way Auth.js stores one. */
async function sessionFor(name: string, gitlabToken: string): Promise<string> {
  const userId = randomUUID();
  const token = randomBytes(24).toString("hex");
  await db.query("insert into users (id, name, email) values ($1, $2, $3)", [userId, name, `${name}+${userId}@example.com`]);
  await db.query("insert into accounts (id, user_id, type, provider, provider_account_id, access_token) values ($1, $2, 'oauth', 'gitlab', $3, $4)", [
    randomUUID(),
    userId,
    `cross-site-${userId}`,
    gitlabToken,
  ]);
  await db.query("insert into sessions (id, session_token, user_id, expires) values ($1, $2, $3, now() + interval '1 hour')", [randomUUID(), token, userId]);
  return token;
}

beforeAll(async () => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run this suite through scripts/test (the test stack's environment)");
  db = new pg.Client({ connectionString: url });
  await db.connect();
  bobSession = await sessionFor("bob", TOKENS.bob);
});
afterAll(() => db?.end());

const cookie = () => ({ cookie: `authjs.session-token=${bobSession}` });
const newName = () => `cross-site-${randomBytes(6).toString("hex")}`;
const create = (name: string, headers: Record<string, string>) => send({ method: "POST", path: `${T101}/api/2.0/mlflow/experiments/create`, headers, body: { name } });
/** Whether the experiment exists in 101, asked with bob's token (not the cookie under test). */
const exists = async (name: string) => (await send({ path: `${T101}/api/2.0/mlflow/experiments/get-by-name${query({ experiment_name: name })}`, token: TOKENS.bob })).status === 200;

function expectCrossSiteRefusal(r: Reply) {
  expect(gatewayRefusal(r), describeAnswer(r)).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
  expect(r.json.message).toMatch(/session cookie/);
}

describe("cookie-authenticated writes through the gateway come from the hub's own pages only", () => {
  it("the stock MLflow UI on the hub's origin writes with the cookie (Origin and Sec-Fetch-Site as Chromium sends them)", async () => {
    const name = newName();
    const r = await create(name, { ...cookie(), origin: HUB, "sec-fetch-site": "same-origin" });
    expect(r.status, describeAnswer(r)).toBe(200);
    expect(await exists(name)).toBe(true);
  });

  const forged: Record<string, Record<string, string>> = {
    "a form on another site": { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    "a page of a sibling host of the same site (the artifact store's subdomain)": { origin: `${HUB_URL.protocol}//s3.${HUB_URL.hostname}`, "sec-fetch-site": "same-site" },
    "another site, from a browser without Fetch Metadata": { origin: "https://evil.example" },
    "a sandboxed frame or data: page (Origin: null)": { origin: "null" },
    "a request that names no origin at all": {},
    "the hub's Origin with a cross-site Sec-Fetch-Site": { origin: HUB, "sec-fetch-site": "same-site" },
    "the hub's host on another port": { origin: `${HUB_URL.protocol}//${HUB_URL.hostname}:1` },
  };
  for (const [what, headers] of Object.entries(forged)) {
    it(`refuses ${what}, and nothing is created`, async () => {
      const name = newName();
      expectCrossSiteRefusal(await create(name, { ...cookie(), ...headers }));
      expect(await exists(name)).toBe(false);
    });
  }

  it("refuses a forged delete and a forged artifact upload too", async () => {
    const name = newName();
    const made = await create(name, { ...cookie(), origin: HUB });
    expect(made.status, describeAnswer(made)).toBe(200);
    const id = made.json.experiment_id as string;
    const evil = { ...cookie(), origin: "https://evil.example", "sec-fetch-site": "cross-site" };
    expectCrossSiteRefusal(await send({ method: "POST", path: `${T101}/api/2.0/mlflow/experiments/delete`, headers: evil, body: { experiment_id: id } }));
    expect(await exists(name)).toBe(true);
    const run = await send({ method: "POST", path: `${T101}/api/2.0/mlflow/runs/create`, token: TOKENS.bob, body: { experiment_id: id } });
    const root = (run.json.run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
    const put = await send({ method: "PUT", path: `${T101}/api/2.0/mlflow-artifacts/artifacts/${root}/planted.html`, headers: { ...evil, "content-type": "text/html" }, body: "<script>alert(1)</script>" });
    expectCrossSiteRefusal(put);
    const listed = await send({ path: `${T101}/api/2.0/mlflow/artifacts/list${query({ run_id: run.json.run.info.run_id })}`, token: TOKENS.bob });
    expect(listed.json.files ?? []).toEqual([]);
  });

  it("leaves GET reads alone (a cross-site read cannot see the answer: CORS keeps it from the page)", async () => {
    const evil = { origin: "https://evil.example", "sec-fetch-site": "cross-site" };
    const read = await send({ path: `${T101}/api/2.0/mlflow/experiments/search${query({ max_results: "1" })}`, headers: { ...cookie(), ...evil } });
    expect(read.status, describeAnswer(read)).toBe(200);
    expect(read.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("refuses before looking the session up: a forged cookie is refused for its origin, not as an unknown session", async () => {
    const r = await create(newName(), { cookie: `authjs.session-token=${randomBytes(16).toString("hex")}`, origin: "https://evil.example" });
    expectCrossSiteRefusal(r);
  });
});
