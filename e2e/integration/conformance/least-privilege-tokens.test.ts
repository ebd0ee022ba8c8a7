import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { FLOOD, MLFLOW_URL, must, query, send, TOKENS, tracking, type Call, type Reply } from "./hub.ts";
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
