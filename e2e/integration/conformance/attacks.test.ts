import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { plantFlood, plantSegmentation, type Planted } from "./fixtures.ts";
import { FLOOD, HUB_URL, INTERNAL_BASELINES, leaked, MLFLOW_URL, query, send, SEGMENTATION, TOKENS, tracking, type Call, type Reply } from "./hub.ts";
import { describeAnswer, gatewayRefusal } from "./refusals.ts";

// Attacks on the gateway itself: what a caller controls (headers, the raw path, the credential,
// the body) must not change which project a request reaches or who the caller is.

let flood: Planted;
let segmentation: Planted;

beforeAll(async () => {
  [flood, segmentation] = await Promise.all([plantFlood(), plantSegmentation()]);
});

const T101 = tracking(FLOOD.path);
const T102 = tracking(SEGMENTATION.path);
const runGet = (runId: string) => `/api/2.0/mlflow/runs/get${query({ run_id: runId })}`;
const searchAll = { method: "POST", path: "/api/2.0/mlflow/experiments/search", body: { max_results: 1000 } } as const;

function expectRefusal(reply: Reply, status: number, code: string, what = "") {
  expect(gatewayRefusal(reply), `${what} ${describeAnswer(reply)}`).toMatchObject({ status, code });
}

/** Experiment ids an experiments/search answer lists. */
const experimentIds = (r: Reply): string[] => (r.json?.experiments ?? []).map((e: { experiment_id: string }) => e.experiment_id);

/** Sends a request and checks its answer carries nothing of 101 it was not sent: no planted string, not 101's experiment in a listing. */
async function sendChecked(call: Call, what = `${call.method ?? "GET"} ${call.path}`): Promise<Reply> {
  const r = await send(call);
  expect(leaked(flood.secrets, call, r), `${what} leaked project 101's data: ${describeAnswer(r)}`).toEqual([]);
  expect(experimentIds(r)).not.toContain(flood.experimentId);
  return r;
}

describe("spoofed headers", () => {
  // The workspace header is how MLflow isolates tenants: a client copy that survived next to
  // the gateway's, or replaced it, would open every project's data to a member of any project.
  const spoofs: Record<string, Record<string, string | string[]>> = {
    "X-MLFLOW-WORKSPACE: gitlab-101": { "X-MLFLOW-WORKSPACE": FLOOD.workspace },
    "x-mlflow-workspace: gitlab-101": { "x-mlflow-workspace": FLOOD.workspace },
    "X-Mlflow-Workspace: default": { "X-Mlflow-Workspace": "default" },
    "X-MLFLOW-WORKSPACE: GITLAB-101": { "X-MLFLOW-WORKSPACE": "GITLAB-101" },
    "X-MLFLOW-WORKSPACE twice (gitlab-101, default)": { "X-MLFLOW-WORKSPACE": [FLOOD.workspace, "default"] },
    "X-MLFLOW-WORKSPACE empty": { "X-MLFLOW-WORKSPACE": "" },
  };

  for (const [name, headers] of Object.entries(spoofs)) {
    it(`a client's ${name} sent to another project's URI neither reads this project nor writes into it`, async () => {
      const run = await sendChecked({ path: `${T102}${runGet(flood.runId)}`, token: TOKENS.alice, headers });
      expect(run.status, describeAnswer(run)).toBe(404);
      const list = await sendChecked({ ...searchAll, path: `${T102}${searchAll.path}`, token: TOKENS.alice, headers });
      expect(experimentIds(list)).toContain(segmentation.experimentId);

      // A write lands in the URI's project whatever the header says.
      const experimentName = `conformance-spoof-${randomBytes(6).toString("hex")}`;
      const created = await send({ method: "POST", path: `${T102}/api/2.0/mlflow/experiments/create`, token: TOKENS.alice, headers, body: { name: experimentName } });
      expect(created.status, describeAnswer(created)).toBe(200);
      const byName = `/api/2.0/mlflow/experiments/get-by-name${query({ experiment_name: experimentName })}`;
      expect((await send({ path: `${T102}${byName}`, token: TOKENS.alice })).json.experiment.artifact_location).toContain(`/workspaces/${SEGMENTATION.workspace}/`);
      expect((await send({ path: `${T101}${byName}`, token: TOKENS.alice })).status).toBe(404);
      expect((await send({ target: MLFLOW_URL, path: byName })).status, "the experiment reached MLflow's default workspace").toBe(404);
    });
  }

  const forwarding = (): Record<string, string> => ({
    "x-forwarded-host": "127.0.0.1",
    "x-forwarded-prefix": `${T101}/`,
    "x-forwarded-proto": "https",
    "x-forwarded-port": "443",
    "x-forwarded-for": "127.0.0.1",
    "x-real-ip": "127.0.0.1",
    forwarded: `for=127.0.0.1;host=localhost;proto=https;by=127.0.0.1`,
    "x-original-url": `${T101}${runGet(flood.runId)}`,
    "x-rewrite-url": `${T101}${runGet(flood.runId)}`,
    "x-forwarded-user": "alice",
    "x-remote-user": "alice",
  });

  // A proxy that trusts forwarding headers or "local" callers would let anyone claim to be the
  // hub itself, or rewrite the path after the gateway looked at it.
  it("forwarding headers, Host and rewrite headers change neither the project a request reaches nor who the caller is", async () => {
    const tries: { label: string; call: Call; check: (r: Reply) => void }[] = [];
    for (const [header, value] of Object.entries({ ...forwarding(), host: MLFLOW_URL.host })) {
      const headers = { [header]: value };
      tries.push(
        { label: `${header} on another project's URI`, call: { path: `${T102}${runGet(flood.runId)}`, token: TOKENS.alice, headers }, check: (r) => expect(r.status).toBe(404) },
        { label: `${header} from an outsider`, call: { path: `${T101}${runGet(flood.runId)}`, token: TOKENS.oscar, headers }, check: (r) => expectRefusal(r, 404, "RESOURCE_DOES_NOT_EXIST") },
        { label: `${header} from an anonymous caller`, call: { path: `${T101}${runGet(flood.runId)}`, headers }, check: (r) => expectRefusal(r, 401, "UNAUTHENTICATED") },
        { label: `${header} from a reporter writing`, call: { method: "POST", path: `${T101}/api/2.0/mlflow/runs/set-tag`, token: TOKENS.carol, headers, body: { run_id: flood.runId, key: "attack", value: "x" } }, check: (r) => expectRefusal(r, 403, "PERMISSION_DENIED") },
      );
    }
    for (const t of tries) t.check(await sendChecked(t.call, t.label));
  });

  // Absolute-form request targets bypass the prefix match in hub-server.ts; they must not reach MLflow either.
  it("an absolute-form request target naming this project never reaches MLflow", async () => {
    for (const host of [HUB_URL.host, MLFLOW_URL.host, "evil.example"]) {
      for (const token of [undefined, TOKENS.oscar]) {
        const r = await sendChecked({ path: `http://${host}${T101}${runGet(flood.runId)}`, token });
        expect(r.headers.server, `MLflow answered ${describeAnswer(r)}`).toBeUndefined();
      }
    }
  });
});

describe("path traversal", () => {
  const file = (ws: string, exp: string, run: string) => `workspaces/${ws}/${exp}/${run}/artifacts`;
  const own = file(SEGMENTATION.workspace, "EXP", "RUN");
  // Paths that, normalised by MLflow or the artifact store, would leave 102's storage for 101's.
  const traversals = () => {
    const target = `${FLOOD.workspace}/${flood.experimentId}/${flood.runId}/artifacts/${flood.artifactFile}`;
    const mine = own.replace("EXP", segmentation.experimentId).replace("RUN", segmentation.runId);
    const artifacts = `${T102}/api/2.0/mlflow-artifacts/artifacts`;
    return {
      "..": `${artifacts}/${mine}/../../../../${target}`,
      "%2e%2e": `${artifacts}/${mine}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/${target}`,
      "%2E%2E": `${artifacts}/${mine}/%2E%2E/%2E%2E/%2E%2E/%2E%2E/${target}`,
      "%252e%252e": `${artifacts}/${mine}/%252e%252e/%252e%252e/%252e%252e/%252e%252e/${target}`,
      "%25252e%25252e": `${artifacts}/${mine}/%25252e%25252e/%25252e%25252e/%25252e%25252e/%25252e%25252e/${target}`,
      "%2f": `${artifacts}/workspaces%2f${target.replaceAll("/", "%2f")}`,
      "%252f": `${artifacts}/workspaces%252f${target.replaceAll("/", "%252f")}`,
      "%5c": `${artifacts}/${mine}/..%5c..%5c..%5c..%5c${target.replaceAll("/", "%5c")}`,
      ".": `${artifacts}/${mine}/./notes.txt`,
      "..%00": `${artifacts}/${mine}/..%00/x`,
      "API path ..": `${T102}/api/2.0/mlflow/../../../ajax-api/2.0/mlflow/runs/get?run_id=${flood.runId}`,
      "API path %2e%2e": `${T102}/api/2.0/mlflow/%2e%2e/runs/get?run_id=${flood.runId}`,
      "trailing /tracking/..": `${T102}/..`,
      "/tracking/.. to the other project": `${T102}/../../../flood-detection/tracking/api/2.0/mlflow/runs/get?run_id=${flood.runId}`,
      "/tracking/%2e%2e to the other project": `${T102}/%2e%2e/%2e%2e/%2e%2e/flood-detection/tracking/api/2.0/mlflow/runs/get?run_id=${flood.runId}`,
      "numeric id then ..%2f": `${tracking(SEGMENTATION.id)}/..%2f..%2f${FLOOD.id}%2ftracking/api/2.0/mlflow/runs/get?run_id=${flood.runId}`,
    };
  };

  it("dot-segments and encoded separators after the tracking URI are refused 400 INVALID_PARAMETER_VALUE", async () => {
    for (const [name, path] of Object.entries(traversals())) {
      expectRefusal(await sendChecked({ path, token: TOKENS.alice }, name), 400, "INVALID_PARAMETER_VALUE", name);
    }
  });

  it("dot-segments in the project part of the URI are not a tracking URI", async () => {
    const paths = [
      `/mlflow/ml-team/vision/segmentation/../../flood-detection/tracking${runGet(flood.runId)}`,
      `/mlflow/ml-team/vision/segmentation/%2e%2e/%2e%2e/flood-detection/tracking${runGet(flood.runId)}`,
      `/mlflow/ml-team/vision/../flood-detection/tracking${runGet(flood.runId)}`,
      `/mlflow/ml-team%2fflood-detection/tracking${runGet(flood.runId)}`,
      `/mlflow/./101/tracking${runGet(flood.runId)}`,
    ];
    for (const path of paths) {
      expectRefusal(await sendChecked({ path, token: TOKENS.oscar }), 404, "ENDPOINT_NOT_FOUND", path);
    }
  });

  // The artifact-path check must judge the path MLflow will use. For the routes that carry it in
  // the URL, a ?path= naming this project's own storage is not what MLflow reads.
  it("a raw artifact path outside the project is refused even when ?path= names one inside it", async () => {
    const inside = `${segmentation.artifactRoot}/notes.txt`;
    const outside = [`${flood.artifactRoot}/${flood.artifactFile}`, "workspaces", `workspaces/${FLOOD.workspace}`, "notes.txt"];
    for (const raw of outside) {
      for (const [method, route] of [
        ["GET", "artifacts"],
        ["PUT", "artifacts"],
        ["DELETE", "artifacts"],
        ["GET", "presigned"],
        ["POST", "mpu/create"],
      ]) {
        const path = `${T102}/api/2.0/mlflow-artifacts/${route}/${raw}${query({ path: inside })}`;
        const r = await sendChecked({ method, path, token: TOKENS.alice, body: method === "POST" ? { path: "x" } : method === "PUT" ? "attack" : undefined });
        expectRefusal(r, 403, "PERMISSION_DENIED", `${method} ${path}`);
      }
    }
    const still = await send({ path: `${T101}/api/2.0/mlflow-artifacts/artifacts/${flood.artifactRoot}/${flood.artifactFile}`, token: TOKENS.bob });
    expect(still.text).toBe(flood.artifactContent);
  });

  // The gateway checks the first ?path=; an artifact server that read the last would list what the check never saw.
  it("a repeated ?path= on the artifact list route lists only what the first, checked one names", async () => {
    const list = `${T102}/api/2.0/mlflow-artifacts/artifacts`;
    const own = await sendChecked({ path: `${list}${query({ path: segmentation.artifactRoot })}`, token: TOKENS.alice });
    expect(own.status, describeAnswer(own)).toBe(200);
    for (const other of [flood.artifactRoot, `workspaces/${FLOOD.workspace}`, "workspaces"]) {
      const r = await sendChecked({ path: `${list}${query({ path: [segmentation.artifactRoot, other] })}`, token: TOKENS.alice });
      if (!gatewayRefusal(r)) expect(r.json, describeAnswer(r)).toEqual(own.json);
    }
  });
});

describe("credentials", () => {
  const read = `${T101}${runGet("0".repeat(32))}`;

  it("an expired token is refused 401 with a Bearer challenge", async () => {
    const r = await send({ path: read, token: TOKENS.bobExpired });
    expectRefusal(r, 401, "UNAUTHENTICATED");
    expect(r.headers["www-authenticate"]).toMatch(/^Bearer /);
  });

  it("a revoked token is refused 401 with a Bearer challenge", async () => {
    const r = await send({ path: read, token: TOKENS.bobRevoked });
    expectRefusal(r, 401, "UNAUTHENTICATED");
    expect(r.headers["www-authenticate"]).toMatch(/^Bearer /);
  });

  it("a token with only the read_user scope is refused 403, naming read_api", async () => {
    const r = await send({ path: read, token: TOKENS.bobReadUser });
    expectRefusal(r, 403, "PERMISSION_DENIED");
    expect(r.json.message).toContain("read_api");
  });

  it("a malformed token, an unknown scheme and a forged session cookie are refused 401", async () => {
    expectRefusal(await send({ path: read, headers: { authorization: "Bearer has spaces in it" } }), 401, "UNAUTHENTICATED", "malformed");
    expectRefusal(await send({ path: read, headers: { authorization: "Digest username=bob" } }), 401, "UNAUTHENTICATED", "scheme");
    expectRefusal(await send({ path: read, token: `glpat-${randomBytes(12).toString("hex")}` }), 401, "UNAUTHENTICATED", "unknown token");
    expectRefusal(await send({ path: read, headers: { cookie: `authjs.session-token=${randomBytes(16).toString("hex")}` } }), 401, "UNAUTHENTICATED", "forged cookie");
  });

  it("Basic auth with the token as password works like the Bearer token", async () => {
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    const path = `${T101}${runGet(flood.runId)}`;
    const bearer = await send({ path, token: TOKENS.bob });
    expect(bearer.status).toBe(200);
    const r = await send({ path, headers: basic("anyone", TOKENS.bob) });
    expect(r.status, describeAnswer(r)).toBe(200);
    expect(r.json).toEqual(bearer.json);
    // The role is the token's, not the user name's.
    expectRefusal(await send({ path, headers: basic("alice", TOKENS.oscar) }), 404, "RESOURCE_DOES_NOT_EXIST");
    expectRefusal(await send({ path, headers: basic("bob", "not-a-token-at-all") }), 401, "UNAUTHENTICATED");
  });

  // GitLab does not let a job token read /projects/:id; the hub resolves it with its service token,
  // which must not turn a job of one project into a reader of every project the service can see.
  it("a running job's token works on its own project and adds provenance tags to the runs it creates", async () => {
    const r = await send({ path: `${T101}${runGet(flood.runId)}`, token: TOKENS.jobRunning });
    expect(r.status, describeAnswer(r)).toBe(200);
    const created = await send({
      method: "POST",
      path: `${T101}/api/2.0/mlflow/runs/create`,
      token: TOKENS.jobRunning,
      body: { experiment_id: flood.experimentId, tags: [{ key: "gitlab.ci.job_id", value: "666" }] },
    });
    expect(created.status, describeAnswer(created)).toBe(200);
    const tags = Object.fromEntries(created.json.run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
    expect(tags).toMatchObject({ "gitlab.ci.job_id": "9001", "gitlab.ci.pipeline_id": "501", "gitlab.ci.user": "bob", "gitlab.ci.commit_sha": "3f786850e387550fdab836ed7e6dc881de23001b" });
  });

  it("a running job's token is refused 404 on projects other than its own, even where its user has a role", async () => {
    for (const project of [INTERNAL_BASELINES.id, INTERNAL_BASELINES.path, SEGMENTATION.path]) {
      const r = await send({ path: `${tracking(project)}/api/2.0/mlflow/experiments/search`, method: "POST", body: {}, token: TOKENS.jobRunning });
      expectRefusal(r, 404, "RESOURCE_DOES_NOT_EXIST", String(project));
    }
  });

  it("a finished job's token is refused 401", async () => {
    expectRefusal(await send({ path: `${T101}${runGet(flood.runId)}`, token: TOKENS.jobFinished }), 401, "UNAUTHENTICATED");
  });
});

describe("tracking URI forms", () => {
  it("the numeric-id tracking URI behaves like the path URI", async () => {
    const byId = tracking(FLOOD.id);
    const pairs: { caller: string; token?: string; call: Call }[] = [
      { caller: "developer reads", token: TOKENS.bob, call: { path: runGet(flood.runId) } },
      { caller: "guest lists", token: TOKENS.dave, call: { ...searchAll } },
      { caller: "reporter writes", token: TOKENS.carol, call: { method: "POST", path: "/api/2.0/mlflow/runs/set-tag", body: { run_id: flood.runId, key: "attack", value: "x" } } },
      { caller: "outsider reads", token: TOKENS.oscar, call: { path: runGet(flood.runId) } },
      { caller: "anonymous reads", call: { path: runGet(flood.runId) } },
      { caller: "owner on a refused route", token: TOKENS.alice, call: { path: "/api/2.0/mlflow/webhooks" } },
    ];
    for (const { caller, token, call } of pairs) {
      const [viaPath, viaId] = await Promise.all([send({ ...call, token, path: `${T101}${call.path}` }), send({ ...call, token, path: `${byId}${call.path}` })]);
      expect(`${viaId.status} ${viaId.text}`, caller).toBe(`${viaPath.status} ${viaPath.text}`);
    }
    const entry = await send({ path: `${byId}/`, token: TOKENS.bob });
    expect(entry.status).toBe(302);
    expect(entry.headers.location?.startsWith(`${byId}/?workspace=${FLOOD.workspace}`), entry.headers.location).toBe(true);
  });

  it("an unknown route or method is refused 404 ENDPOINT_NOT_FOUND, before anyone is asked who the caller is", async () => {
    const unknown: Call[] = [
      { path: `${T101}/api/2.0/mlflow/no-such-endpoint` },
      { path: `${T101}/api/2.0/mlflow/runs/get/extra` },
      { method: "DELETE", path: `${T101}/api/2.0/mlflow/runs/get` },
      { method: "POST", path: `${T101}/api/2.0/mlflow/experiments/get` },
      { path: `${T101}/api/9.9/mlflow/runs/get` },
      { path: `${T101}/admin` },
    ];
    for (const call of unknown) {
      for (const token of [undefined, TOKENS.oscar, TOKENS.alice]) {
        expectRefusal(await send({ ...call, token }), 404, "ENDPOINT_NOT_FOUND", `${call.method ?? "GET"} ${call.path}`);
      }
    }
    expectRefusal(await send({ path: "/mlflow/not-a-tracking-uri", token: TOKENS.alice }), 404, "ENDPOINT_NOT_FOUND");
  });
});

describe("request bodies on checked routes", () => {
  const checked = [
    "/api/2.0/mlflow/runs/create",
    "/api/2.0/mlflow/experiments/create",
    "/api/2.0/mlflow/model-versions/create",
    "/api/2.0/mlflow/runs/log-metric",
    "/api/3.0/mlflow/traces",
  ];

  it("malformed JSON and JSON that is not an object are refused 400 INVALID_PARAMETER_VALUE", async () => {
    for (const route of checked) {
      for (const body of ["{not json", "[1,2]", '"a string"', "42", "null", "true"]) {
        const r = await send({ method: "POST", path: `${T101}${route}`, token: TOKENS.bob, body });
        expectRefusal(r, 400, "INVALID_PARAMETER_VALUE", `${route} ${body}`);
      }
    }
  });

  it("a body too large to be an API call is refused 400 on a checked route", async () => {
    const r = await send({ method: "POST", path: `${T101}/api/2.0/mlflow/runs/create`, token: TOKENS.bob, body: JSON.stringify({ run_name: "x".repeat(1 << 20) }) });
    expectRefusal(r, 400, "INVALID_PARAMETER_VALUE");
  });
});

describe("server-wide features", () => {
  // Workspace management is global in MLflow: through a project URI it could create tenants, point
  // an artifact root anywhere, or delete another project's workspace with everything in it.
  it("workspace creation, update and deletion are refused 403 for the project's owner and never reach MLflow", async () => {
    const name = `conformance-${randomBytes(5).toString("hex")}`;
    for (const prefix of ["/api", "/ajax-api"]) {
      expectRefusal(await send({ method: "POST", path: `${T101}${prefix}/3.0/mlflow/workspaces`, token: TOKENS.alice, body: { name, default_artifact_root: "s3://elsewhere" } }), 403, "PERMISSION_DENIED");
      for (const target of [FLOOD.workspace, SEGMENTATION.workspace]) {
        expectRefusal(await send({ method: "PATCH", path: `${T101}${prefix}/3.0/mlflow/workspaces/${target}`, token: TOKENS.alice, body: { default_artifact_root: "s3://elsewhere" } }), 403, "PERMISSION_DENIED");
        expectRefusal(await send({ method: "DELETE", path: `${T101}${prefix}/3.0/mlflow/workspaces/${target}${query({ mode: "CASCADE" })}`, token: TOKENS.alice }), 403, "PERMISSION_DENIED");
      }
    }
    const listed = await send({ target: MLFLOW_URL, path: "/api/3.0/mlflow/workspaces" });
    const workspaces = listed.json.workspaces as { name: string; default_artifact_root?: string }[];
    expect(workspaces.map((w) => w.name)).not.toContain(name);
    expect(workspaces.map((w) => w.name)).toEqual(expect.arrayContaining([FLOOD.workspace, SEGMENTATION.workspace]));
    for (const w of workspaces) expect(w.default_artifact_root ?? "").not.toContain("elsewhere");
  });

  // Webhooks make the MLflow server call any URL with project events.
  it("webhooks are refused 403 for the project's owner and none is created", async () => {
    const url = `http://127.0.0.1:1/${randomBytes(5).toString("hex")}`;
    for (const prefix of ["/api", "/ajax-api"]) {
      expectRefusal(await send({ path: `${T101}${prefix}/2.0/mlflow/webhooks`, token: TOKENS.alice }), 403, "PERMISSION_DENIED");
      expectRefusal(await send({ method: "POST", path: `${T101}${prefix}/2.0/mlflow/webhooks`, token: TOKENS.alice, body: { name: "attack", url, events: [{ entity: "registered_model", action: "created" }] } }), 403, "PERMISSION_DENIED");
    }
    const hooks = await send({ target: MLFLOW_URL, path: "/api/2.0/mlflow/webhooks", headers: { "x-mlflow-workspace": FLOOD.workspace } });
    expect(hooks.text).not.toContain(url);
  });
});
