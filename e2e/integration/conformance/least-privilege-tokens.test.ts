import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintProjectToken } from "../../../lib/tokens/format.ts";
import { FLOOD, INTERNAL_BASELINES, MLFLOW_URL, must, query, send, SEGMENTATION, TOKENS, tracking, type Call, type Reply } from "./hub.ts";
import { describeAnswer } from "./refusals.ts";

// Issue 11, hole 5: the role came from GitLab's permissions alone and a token's scopes were never
// looked at, so a GitLab token its owner minted as read-only (read_api) created, changed and
// deleted here with its owner's Developer rights. GitLab's own MLflow endpoint needs `api` for writes.

const T101 = tracking(FLOOD.path);
const READ_API = "glpat-bob-readapi";
const api = (rest: string) => `${T101}/api/2.0/mlflow/${rest}`;
const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`bob:${token}`).toString("base64")}` });

/** The gateway's own 403 (MLflow never answered: no uvicorn `server` header), with its message. */
function expectReadOnlyRefusal(r: Reply, what: string) {
  expect(r.status, `${what}: ${describeAnswer(r)}`).toBe(403);
  expect(r.headers.server, `${what} reached MLflow`).toBeUndefined();
  expect(r.json?.error_code, what).toBe("PERMISSION_DENIED");
  // Why, and what to do instead.
  expect(r.json.message, what).toMatch(/read_api/);
  expect(r.json.message, what).toMatch(/\bapi\b scope/);
  expect(r.json.message, what).toMatch(/project token/);
}

/** What MLflow itself holds in project 101's workspace, bypassing the hub. */
const direct = (path: string) => send({ target: MLFLOW_URL, path: `/api/2.0/mlflow/${path}`, headers: { "x-mlflow-workspace": FLOOD.workspace } });

let experimentId: string;
let runId: string;

beforeAll(async () => {
  const created = await must({ method: "POST", path: api("experiments/create"), token: TOKENS.bob, body: { name: `read-only-target-${randomBytes(6).toString("hex")}` } });
  experimentId = created.experiment_id;
  runId = (await must({ method: "POST", path: api("runs/create"), token: TOKENS.bob, body: { experiment_id: experimentId } })).run.info.run_id;
});

describe("a read_api GitLab token of a Developer (hole 5)", () => {
  const attempts = (): Record<string, Call> => ({
    "create an experiment": { method: "POST", path: api("experiments/create"), body: { name: `read-only-attack-${randomBytes(6).toString("hex")}` } },
    "log a metric": { method: "POST", path: api("runs/log-metric"), body: { run_id: runId, key: "read_only_attack", value: 1, timestamp: Date.now(), step: 0 } },
    "delete a run": { method: "POST", path: api("runs/delete"), body: { run_id: runId } },
    "delete an experiment": { method: "POST", path: api("experiments/delete"), body: { experiment_id: experimentId } },
    "upload an artifact": {
      method: "PUT",
      path: `${T101}/api/2.0/mlflow-artifacts/artifacts/workspaces/${FLOOD.workspace}/${experimentId}/${runId}/artifacts/read-only-attack.txt`,
      body: "written with a read_api token",
      headers: { "content-type": "text/plain" },
    },
  });

  for (const [scheme, credential] of [
    ["Bearer", (c: Call): Call => ({ ...c, token: READ_API })],
    ["Basic", (c: Call): Call => ({ ...c, headers: { ...c.headers, ...basic(READ_API) } })],
  ] as const) {
    it(`cannot create, log, upload or delete as ${scheme}, and is told to use an api token or a project token`, async () => {
      const tried = attempts();
      for (const [what, call] of Object.entries(tried)) expectReadOnlyRefusal(await send(credential(call)), what);

      const name = (tried["create an experiment"].body as { name: string }).name;
      expect((await direct(`experiments/get-by-name${query({ experiment_name: name })}`)).status, "the experiment was created").toBe(404);
      const run = await direct(`runs/get${query({ run_id: runId })}`);
      expect(run.json.run.info.lifecycle_stage).toBe("active");
      expect(run.json.run.data.metrics ?? []).toEqual([]);
      const artifacts = await direct(`artifacts/list${query({ run_id: runId })}`);
      expect(artifacts.json.files ?? []).toEqual([]);
    });
  }

  it("still reads what its owner's role lets them read", async () => {
    const r = await send({ path: api(`runs/get${query({ run_id: runId })}`), token: READ_API });
    expect(r.status, describeAnswer(r)).toBe(200);
    expect(r.json.run.info.run_id).toBe(runId);
  });

  it("leaves the same Developer's api token its write rights", async () => {
    const r = await send({ method: "POST", path: api("runs/log-metric"), token: TOKENS.bob, body: { run_id: runId, key: "api_token_control", value: 1, timestamp: Date.now(), step: 0 } });
    expect(r.status, describeAnswer(r)).toBe(200);
  });
});

// Hub project tokens: the token is the whole credential of a script, so what it reaches must be
// exactly its own project, at most its owner's current role, and nothing once it has ended.
// Tokens are planted in the hub's database as the hub's own token routes write them (the browser
// spec creates them through the page); GitLab, the stand-in, says what their owners' roles are.

function hubDatabaseUrl(): string {
  const value = process.env.DATABASE_URL;
  if (!value) throw new Error("DATABASE_URL is not set: the project-token attacks plant tokens in the test stack's hub database (set -a; . .local/<state>/env; set +a).");
  return value;
}

const hubDb = new pg.Client({ connectionString: hubDatabaseUrl() });
const plantedUsers: string[] = [];
beforeAll(() => hubDb.connect());
afterAll(async () => {
  await hubDb.query("delete from users where id = any($1)", [plantedUsers]);
  await hubDb.end();
});

const OWNERS = { bob: 3, oscar: 7 } as const;

/** A project token of `owner` (a GitLab user) for project 101, as the hub stores it. */
async function plantToken(owner: keyof typeof OWNERS, o: { access?: "read" | "write"; expiresInMs?: number; projectId?: number } = {}) {
  const userId = `conformance-${randomUUID()}`;
  plantedUsers.push(userId);
  await hubDb.query("insert into users (id, name) values ($1, $2)", [userId, owner]);
  const { token, hash } = mintProjectToken();
  const id = randomUUID();
  const name = `conformance-${randomBytes(4).toString("hex")}`;
  await hubDb.query(
    "insert into project_tokens (id, secret_hash, name, access, project_id, user_id, owner_gitlab_id, owner_username, expires_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [id, hash, name, o.access ?? "write", o.projectId ?? FLOOD.id, userId, OWNERS[owner], owner, new Date(Date.now() + (o.expiresInMs ?? 86_400_000))],
  );
  return { token, id, name };
}

/** The gateway's own refusal (MLflow never answered) with this status and code. */
function expectGatewayRefusal(r: Reply, status: number, code: string, what: string) {
  expect(r.status, `${what}: ${describeAnswer(r)}`).toBe(status);
  expect(r.headers.server, `${what} reached MLflow`).toBeUndefined();
  expect(r.json?.error_code, what).toBe(code);
}

describe("hub project tokens", () => {
  const createIn = (project: string | number, token: string, name = `project-token-attack-${randomBytes(6).toString("hex")}`): Call => ({
    method: "POST",
    path: `${tracking(project)}/api/2.0/mlflow/experiments/create`,
    token,
    body: { name },
  });

  it("a Developer's write token writes in its own project, and the audit row names the token", async () => {
    const { token, id, name } = await plantToken("bob");
    const since = new Date();
    const r = await send(createIn(FLOOD.path, token));
    expect(r.status, describeAnswer(r)).toBe(200);
    let rows: { username: string; token: string }[] = [];
    for (let i = 0; i < 25 && rows.length === 0; i++) {
      await new Promise((done) => setTimeout(done, 200));
      rows = (await hubDb.query("select username, token from audit_events where time >= $1 and route = $2 and token like $3", [since, "/api/2.0/mlflow/experiments/create", `%${id}%`])).rows;
    }
    expect(rows).toEqual([{ username: "bob", token: `project token "${name}" (id ${id})` }]);
  });

  it("a token of one project is refused 404 on other projects where its owner may write, by path and by id, and creates nothing there", async () => {
    const { token } = await plantToken("bob");
    for (const project of [SEGMENTATION.path, SEGMENTATION.id, INTERNAL_BASELINES.path, INTERNAL_BASELINES.id]) {
      const call = createIn(project, token);
      expectGatewayRefusal(await send(call), 404, "RESOURCE_DOES_NOT_EXIST", `create in ${project}`);
      expectGatewayRefusal(await send({ method: "POST", path: `${tracking(project)}/api/2.0/mlflow/experiments/search`, token, body: { max_results: 10 } }), 404, "RESOURCE_DOES_NOT_EXIST", `search ${project}`);
      const name = (call.body as { name: string }).name;
      const workspace = `gitlab-${typeof project === "number" ? project : project === SEGMENTATION.path ? SEGMENTATION.id : INTERNAL_BASELINES.id}`;
      const there = await send({ target: MLFLOW_URL, path: `/api/2.0/mlflow/experiments/get-by-name${query({ experiment_name: name })}`, headers: { "x-mlflow-workspace": workspace } });
      expect(there.status, `created in ${project}`).toBe(404);
    }
  });

  it("a read token reads but is refused 403 on writes, told it is read-only", async () => {
    const { token } = await plantToken("bob", { access: "read" });
    expect((await send({ path: api(`runs/get${query({ run_id: runId })}`), token })).status).toBe(200);
    const r = await send(createIn(FLOOD.path, token));
    expectGatewayRefusal(r, 403, "PERMISSION_DENIED", "create");
    expect(r.json.message).toMatch(/read-only/);
    expectGatewayRefusal(await send({ method: "POST", path: api("runs/delete"), token, body: { run_id: runId } }), 403, "PERMISSION_DENIED", "delete");
  });

  it("a token whose owner no longer has a role in the project is refused 403, for reads too", async () => {
    const { token } = await plantToken("oscar");
    const r = await send({ path: api(`runs/get${query({ run_id: runId })}`), token });
    expectGatewayRefusal(r, 403, "PERMISSION_DENIED", "read");
    expect(r.json.message).toBe("This project token's owner (oscar) no longer has a role in this project, so the token no longer works.");
  });

  it("an expired token is refused 401 with a Bearer challenge", async () => {
    const { token } = await plantToken("bob", { expiresInMs: -1000 });
    const r = await send({ path: api(`runs/get${query({ run_id: runId })}`), token });
    expectGatewayRefusal(r, 401, "UNAUTHENTICATED", "expired");
    expect(r.headers["www-authenticate"]).toMatch(/^Bearer /);
  });

  it("an unknown token, a token with one character changed and the bare prefix are refused 401", async () => {
    const { token } = await plantToken("bob");
    const changed = `${token.slice(0, 20)}${token[20] === "a" ? "b" : "a"}${token.slice(21)}`;
    for (const [what, value] of [
      ["unknown", mintProjectToken().token],
      ["one character changed", changed],
      ["bare prefix", "mlfhub_"],
    ]) {
      expectGatewayRefusal(await send({ path: api(`runs/get${query({ run_id: runId })}`), token: value }), 401, "UNAUTHENTICATED", what);
    }
  });

  it("a token planted for project 102 does not open project 101 through 102's id in the path", async () => {
    const { token } = await plantToken("bob", { projectId: SEGMENTATION.id });
    expectGatewayRefusal(await send({ path: api(`runs/get${query({ run_id: runId })}`), token }), 404, "RESOURCE_DOES_NOT_EXIST", "101 by path");
    expect((await send({ method: "POST", path: `${tracking(SEGMENTATION.id)}/api/2.0/mlflow/experiments/search`, token, body: { max_results: 1 } })).status).toBe(200);
  });
});
