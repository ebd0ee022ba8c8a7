import { beforeAll, describe, expect, it } from "vitest";
import { routeTable, type RouteAction, type RouteEntry } from "../../../lib/gateway/routes.ts";
import { plantFlood, type Planted } from "./fixtures.ts";
import { FLOOD, inBatches, INTERNAL_BASELINES, MLFLOW_URL, PUBLIC_MODELS, query, send, TOKENS, tracking, type Call, type Reply } from "./hub.ts";
import { describeAnswer, gatewayRefusal, standsInForMlflowFailure } from "./refusals.ts";

// Every route of the route table × every kind of caller on project 101 (private), through the
// hub to the real MLflow. The table is iterated, so a route added to it is covered here without
// anyone writing a test for it. The expectations are the design's permission rules, written out
// here rather than imported from permissions.ts, so a wrong rule in the code cannot agree with itself.

type Caller = { name: string; token?: string } & ({ kind: "anonymous" } | { kind: "outsider" } | { kind: "member"; level: number });

const CALLERS: readonly Caller[] = [
  { name: "anonymous", kind: "anonymous" },
  { name: "outsider (oscar)", kind: "outsider", token: TOKENS.oscar },
  { name: "guest (dave)", kind: "member", level: 10, token: TOKENS.dave },
  { name: "planner (erin)", kind: "member", level: 15, token: TOKENS.erin },
  { name: "reporter (carol)", kind: "member", level: 20, token: TOKENS.carol },
  { name: "developer (bob)", kind: "member", level: 30, token: TOKENS.bob },
  { name: "maintainer (maya)", kind: "member", level: 40, token: TOKENS.maya },
  { name: "owner (alice)", kind: "member", level: 50, token: TOKENS.alice },
];

/** The hub's DELETE_MIN_ACCESS_LEVEL, as the stack's environment exports it (the hub's default when unset). */
const DELETE_FLOOR = (process.env.DELETE_MIN_ACCESS_LEVEL ?? "developer").toLowerCase();
const LEVELS: Record<string, number> = { guest: 10, planner: 15, reporter: 20, developer: 30, maintainer: 40, owner: 50 };
const MIN_LEVEL: Record<"read" | "write" | "delete", number> = { read: LEVELS.guest, write: LEVELS.developer, delete: LEVELS[DELETE_FLOOR] };

type Expected = { pass: true } | { pass: false; status: number; code: string };

function expected(action: RouteAction, caller: Caller): Expected {
  if (action === "public") return { pass: true };
  if (action === "refused") return { pass: false, status: 403, code: "PERMISSION_DENIED" };
  if (caller.kind === "anonymous") return { pass: false, status: 401, code: "UNAUTHENTICATED" };
  // A private project is invisible to a non-member: 404, never a hint that it exists.
  if (caller.kind === "outsider") return { pass: false, status: 404, code: "RESOURCE_DOES_NOT_EXIST" };
  return caller.level >= MIN_LEVEL[action] ? { pass: true } : { pass: false, status: 403, code: "PERMISSION_DENIED" };
}

function summary(action: RouteAction): string {
  if (action === "public") return "is answered for every caller, anonymous included";
  if (action === "refused") return "is refused 403 for every caller, the owner included";
  const allowed = CALLERS.filter((c) => expected(action, c).pass).map((c) => c.name.split(" ")[0]);
  return `refuses anonymous 401 and outsiders 404, ${allowed.length < 5 ? "readers 403, " : ""}lets ${allowed.join(", ")} reach MLflow`;
}

const DUMMY = "conformance-dummy";
const DUMMY_HEX = "0".repeat(32);

/**
 * The request for one route. Reads name 101's real objects, so a reader who passes
 * really reads them; writes and deletes name dummies (MLflow answers them 400/404),
 * so the matrix never changes the planted data. Routes whose gateway checks look at
 * a value get one that passes the check for a caller allowed to act.
 */
function requestFor(entry: RouteEntry, method: string, p: Planted): Omit<Call, "token"> {
  const reads = entry.action === "read" || entry.action === "public";
  const scratch = `${p.artifactRoot}/conformance-matrix/scratch.txt`;
  const value = (name: string): string => {
    switch (name) {
      case "artifact_path":
        return reads ? `${p.artifactRoot}/${p.artifactFile}` : scratch;
      case "model_id":
        return reads ? p.loggedModelId : `m-${DUMMY_HEX}`;
      case "request_id":
      case "trace_id":
        return reads ? p.traceId : DUMMY_HEX;
      case "dataset_id":
        return reads ? p.datasetId : `d-${DUMMY_HEX}`;
      case "workspace_name":
        return FLOOD.workspace;
      case "path":
      case "filename":
        return `${DUMMY}.js`;
      default:
        return DUMMY;
    }
  };
  const path = entry.path.replace(/<(?:path:)?([A-Za-z_]+)>/g, (_, name: string) => value(name));
  const base = `${tracking(FLOOD.path)}${path}`;

  if (method === "GET") {
    const artifactPath = entry.checks?.includes("artifact-path");
    const modelVersionArtifact = entry.checks?.includes("model-version-artifact");
    // The artifact proxy's list route takes its storage path as ?path=; the others carry it in the URL only.
    const pathQuery: Record<string, string> = artifactPath ? (entry.path.includes("<") ? {} : { path: p.artifactRoot }) : { path: modelVersionArtifact ? "MLmodel" : p.artifactFile };
    const q = query({
      run_id: p.runId,
      run_uuid: p.runId,
      run_ids: p.runId,
      experiment_id: p.experimentId,
      experiment_ids: p.experimentId,
      metric_key: "loss",
      name: p.modelName,
      version: p.modelVersion,
      alias: p.alias,
      request_id: p.traceId,
      trace_id: p.traceId,
      trace_ids: p.traceId,
      ...pathQuery,
    });
    return { method, path: base + q };
  }
  if (entry.checks?.includes("artifact-path") && method === "PUT") {
    return { method, path: base, body: "written by the route matrix", headers: { "content-type": "text/plain" } };
  }
  if (entry.checks?.includes("trace-id")) {
    // No trace location: MLflow refuses to store it.
    return { method, path: base, body: { trace: { trace_info: { trace_id: `tr-${DUMMY_HEX}` } } } };
  }
  if (entry.checks?.includes("model-version-source")) {
    return { method, path: base, body: { name: `${DUMMY}-model`, source: `models:/${DUMMY}-model/1` } };
  }
  return { method, path: base, body: {} };
}

interface Case {
  entry: RouteEntry;
  method: string;
  caller: Caller;
  call: Call;
}

const routes = routeTable.flatMap((entry) => entry.methods.map((method) => ({ entry, method })));
const replies = new Map<string, Reply[]>();
const keyOf = (method: string, entry: RouteEntry) => `${method} ${entry.path}`;

beforeAll(async () => {
  const planted = await plantFlood();
  const cases: Case[] = routes.flatMap(({ entry, method }) => {
    const request = requestFor(entry, method, planted);
    return CALLERS.map((caller) => ({ entry, method, caller, call: { ...request, token: caller.token } }));
  });
  const answers = await inBatches(cases, 16, (c) => send(c.call));
  cases.forEach((c, i) => {
    const k = keyOf(c.method, c.entry);
    if (!replies.has(k)) replies.set(k, []);
    replies.get(k)!.push(answers[i]);
  });
});

describe("the suite's own oracle", () => {
  it("tells a gateway refusal from an error MLflow itself answers", async () => {
    const fromMlflow = await send({ target: MLFLOW_URL, path: `/api/2.0/mlflow/runs/get?run_id=${DUMMY_HEX}` });
    expect(fromMlflow.status).toBe(404);
    expect(gatewayRefusal(fromMlflow)).toBeUndefined();
    const throughHub = await send({ path: `${tracking(FLOOD.path)}/api/2.0/mlflow/runs/get?run_id=${DUMMY_HEX}`, token: TOKENS.alice });
    expect(throughHub.status).toBe(404);
    expect(gatewayRefusal(throughHub), describeAnswer(throughHub)).toBeUndefined();
    const refused = await send({ path: `${tracking(FLOOD.path)}/api/2.0/mlflow/runs/get?run_id=${DUMMY_HEX}`, token: TOKENS.oscar });
    expect(gatewayRefusal(refused)).toMatchObject({ status: 404, code: "RESOURCE_DOES_NOT_EXIST" });
  });
});

describe(`every route of the route table × every caller on private project 101 (delete needs ${DELETE_FLOOR}; the demo has no Maintainer on 101)`, () => {
  for (const { entry, method } of routes) {
    it(`${method} ${entry.path} (${entry.action}) ${summary(entry.action)}`, () => {
      const got = replies.get(keyOf(method, entry));
      expect(got, "the matrix did not run").toHaveLength(CALLERS.length);
      const wrong: string[] = [];
      const mlflowStatuses = new Set<number>();
      CALLERS.forEach((caller, i) => {
        const reply = got![i];
        const want = expected(entry.action, caller);
        const refusal = gatewayRefusal(reply);
        if (want.pass) {
          // Past the decision the gateway itself answers the artifact transfers the hub does not offer (lib/gateway/transfers.ts),
          // and stands in for MLflow's own 5xx answers.
          if (refusal && refusal.code !== "NOT_IMPLEMENTED" && !standsInForMlflowFailure(refusal)) wrong.push(`${caller.name}: refused by the gateway, expected to pass: ${describeAnswer(reply)}`);
          else mlflowStatuses.add(reply.status);
          return;
        }
        if (!refusal || refusal.status !== want.status || refusal.code !== want.code) {
          wrong.push(`${caller.name}: expected gateway ${want.status} ${want.code}, got ${refusal ? "gateway" : "MLflow"} ${describeAnswer(reply)}`);
        } else if (want.status === 401 && !reply.headers["www-authenticate"]) {
          wrong.push(`${caller.name}: 401 without WWW-Authenticate`);
        }
      });
      expect(wrong).toEqual([]);
      // The role decides whether MLflow is asked, never what it answers: every reader gets the same answer.
      if (entry.action === "read" || entry.action === "public") expect([...mlflowStatuses], "callers who passed got different answers").toHaveLength(1);
    });
  }
});

// Visibility lends read access only: a public project is readable by anyone, an internal one by any
// signed-in user, and neither lets a caller without a role write.
describe("project visibility", () => {
  const search = (project: string) => ({ method: "POST", path: `${tracking(project)}/api/2.0/mlflow/experiments/search`, body: { max_results: 10 } });
  const create = (project: string) => ({ method: "POST", path: `${tracking(project)}/api/2.0/mlflow/experiments/create`, body: { name: `conformance-visibility-${Date.now()}` } });

  it("a public project is readable by anonymous callers and outsiders, writable by neither", async () => {
    for (const token of [undefined, TOKENS.oscar, TOKENS.bob]) {
      const r = await send({ ...search(PUBLIC_MODELS.path), token });
      expect(r.status, describeAnswer(r)).toBe(200);
    }
    expect(gatewayRefusal(await send({ ...create(PUBLIC_MODELS.path) }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    expect(gatewayRefusal(await send({ ...create(PUBLIC_MODELS.path), token: TOKENS.oscar }))).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
  });

  it("an internal project is readable by any signed-in user, not by anonymous callers, and writable only by its members", async () => {
    const read = await send({ ...search(INTERNAL_BASELINES.path), token: TOKENS.oscar });
    expect(read.status, describeAnswer(read)).toBe(200);
    expect(gatewayRefusal(await send({ ...search(INTERNAL_BASELINES.path) }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    expect(gatewayRefusal(await send({ ...create(INTERNAL_BASELINES.path), token: TOKENS.oscar }))).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
    expect(gatewayRefusal(await send({ ...create(INTERNAL_BASELINES.path), token: TOKENS.carol }))).toMatchObject({ status: 403, code: "PERMISSION_DENIED" });
  });
});
