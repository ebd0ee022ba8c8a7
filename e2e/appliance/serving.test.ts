// Model serving in the appliance: a model deployed through Traefik keeps answering across
// `docker compose restart hub` (the runtime keeps serving it, the restarted hub takes it back
// from its database) and across `docker compose restart serving` (the hub redeploys it on the
// fresh runtime). The model is logged with the stock MLflow client of the SDK suite's virtualenv.
import { afterAll, describe, expect, it } from "vitest";
import { composeOk, containers, eventually, HUB_URL, run } from "./appliance.ts";

const PROJECT = "ml-team/flood-detection"; // bob: Developer
const BOB = { authorization: "Bearer glpat-bob-demo" };
const NAME = `appliance-serve-${Date.now().toString(36)}`;
const ENDPOINT = new URL(`/mlflow/${PROJECT}/serving/${NAME}/1`, HUB_URL);
const INPUT = { dataframe_split: { columns: ["a", "b"], data: [[1, 2], [3, -1]] } };

function sdkPython(): string {
  const venv = process.env.SDK_VENV;
  if (!venv) throw new Error("SDK_VENV is not set: scripts/test-appliance names the MLflow SDK virtualenv");
  return `${venv}/bin/python`;
}

/** A LinearRegression registered as version 1 of NAME, with the stock client through the tracking URI. */
function register() {
  const script = `
import os, sys, mlflow, numpy as np, pandas as pd
from sklearn.linear_model import LinearRegression
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_experiment(sys.argv[2])
x = pd.DataFrame(np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]]), columns=["a", "b"])
with mlflow.start_run():
    mlflow.sklearn.log_model(LinearRegression().fit(x, [1.0, 2.0, 4.0, 5.0]), name="model", registered_model_name=sys.argv[2])
`;
  const r = run(sdkPython(), ["-c", script, new URL(`/mlflow/${PROJECT}/tracking/`, HUB_URL).href, NAME], {
    env: { ...process.env, MLFLOW_TRACKING_TOKEN: "glpat-bob-demo", MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true" },
  });
  if (r.status !== 0) throw new Error(`registering ${NAME} failed:\n${r.stderr}`);
}

interface EndpointView {
  state: string;
  version: string | null;
  error: string | null;
  log: string[];
  limits: string | null;
}

async function state(): Promise<EndpointView> {
  const res = await fetch(ENDPOINT, { headers: BOB });
  expect(res.status).toBe(200);
  return (await res.json()) as EndpointView;
}

async function ready(timeoutMs = 240_000): Promise<EndpointView> {
  return eventually(async () => {
    const view = await state();
    if (view.state === "failed") throw Object.assign(new Error(`failed: ${view.error}\n${view.log.join("\n")}`), { final: true });
    if (view.state !== "ready") throw new Error(`endpoint is ${view.state}`);
    return view;
  }, timeoutMs, 1000);
}

async function predictions(): Promise<number[]> {
  const res = await fetch(new URL(`${ENDPOINT.pathname}/invocations`, HUB_URL), { method: "POST", headers: { ...BOB, "content-type": "application/json" }, body: JSON.stringify(INPUT) });
  const text = await res.text();
  expect([res.status, text]).toEqual([200, expect.any(String)]);
  return (JSON.parse(text) as { predictions: number[] }).predictions;
}

/** The runtime's own instances (its control API, inside its container, with its own token). */
function instances(): { id: string; model: string; state: string; started_at: number }[] {
  const script = "import os, urllib.request, json; r = urllib.request.Request('http://127.0.0.1:5002/instances', headers={'authorization': 'Bearer ' + os.environ['SERVING_TOKEN']}); print(urllib.request.urlopen(r, timeout=10).read().decode())";
  const all = (JSON.parse(composeOk(["exec", "-T", "serving", "python", "-c", script])) as { instances: { id: string; model: string; state: string; started_at: number }[] }).instances;
  return all.filter((i) => i.model === NAME);
}

async function restart(service: string) {
  composeOk(["restart", service]);
  await eventually(async () => {
    const c = containers().find((x) => x.Service === service);
    if (c?.Health !== "healthy") throw new Error(`${service} is ${c?.State}/${c?.Health}`);
    const res = await fetch(new URL("/api/ready", HUB_URL));
    if (res.status !== 200) throw new Error(`/api/ready answers ${res.status}`);
  }, 300_000, 2000);
}

afterAll(async () => {
  await fetch(ENDPOINT, { method: "DELETE", headers: BOB }).catch(() => undefined);
});

describe("a model endpoint in the appliance", () => {
  it("downloads the model through the hub, runs it isolated, and keeps serving it across a restart of the hub and of the runtime", async () => {
    register();
    const deployed = await fetch(ENDPOINT, { method: "PUT", headers: BOB });
    expect(deployed.status).toBe(202);
    const first = await ready();
    expect(first.version).toBe("1");
    // prlimit, since the container's cgroups are read-only; never without its namespaces.
    expect(first.limits).toMatch(/prlimit address space/);
    expect(first.limits).not.toMatch(/NO network isolation/);
    const expected = await predictions();
    expect(expected).toHaveLength(2);

    const [before] = instances().filter((i) => i.state === "ready");
    expect(before).toBeDefined();
    await restart("hub");
    // The restarted hub reads the endpoint from its database and finds the runtime's instance serving.
    expect((await ready(60_000)).version).toBe("1");
    expect(await predictions()).toEqual(expected);
    expect(instances().map((i) => [i.id, i.started_at])).toEqual([[before.id, before.started_at]]);

    await restart("serving");
    expect(instances().filter((i) => i.id === before.id && i.started_at === before.started_at)).toEqual([]);
    // The fresh runtime holds nothing; the hub redeploys what its database says (reconcile, or the invocation itself).
    expect(await eventually(predictions, 240_000, 2000)).toEqual(expected);
    expect((await ready(60_000)).version).toBe("1");

    const stopped = await fetch(ENDPOINT, { method: "DELETE", headers: BOB });
    expect(stopped.status).toBe(200);
    await eventually(async () => expect(instances().filter((i) => i.id === before.id)).toEqual([]), 60_000);
  });
});
