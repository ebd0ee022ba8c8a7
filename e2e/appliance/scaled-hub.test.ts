// `docker compose up --scale hub=2`, the first thing an administrator tries when one hub is
// not enough (docs/scaling.md): both replicas take traffic through Traefik and read an experiment
// written through one of them, and a replica stopped while a client writes loses no acknowledged write.
// Traefik names one server, http://hub:3000; Docker's DNS answers it with every replica, and
// Traefik's client picks one per connection it opens (not per request).
import { afterAll, describe, expect, it } from "vitest";
import { mlflow } from "../shared/project-data.ts";
import { composeOk, containers, eventually, hub, HUB_URL, run } from "./appliance.ts";

const PROJECT = "ml-team/flood-detection";
const WAIT = ["--wait", "--wait-timeout", "300", "--pull", "never"];

function hubContainers(): string[] {
  return containers()
    .filter((c) => c.Service === "hub" && c.State === "running")
    .map((c) => c.Name)
    .sort();
}

/** How many gateway requests a hub container has logged (one JSON line each, handler.ts). */
function gatewayLines(container: string): number {
  const r = run("docker", ["logs", container]);
  if (r.status !== 0) throw new Error(`docker logs ${container} exited ${r.status}: ${r.stderr}`);
  return `${r.stdout}\n${r.stderr}`.split("\n").filter((l) => l.includes('"msg":"gateway"')).length;
}

async function searchStatus(): Promise<number> {
  const res = await fetch(new URL(`/mlflow/${PROJECT}/tracking/api/2.0/mlflow/experiments/search?max_results=5`, HUB_URL), {
    headers: { authorization: `Bearer ${hub().token}` },
  });
  await res.arrayBuffer();
  return res.status;
}

afterAll(() => {
  // Back to the one hub the rest of the suite expects (the stopped replica is removed).
  composeOk(["up", "-d", ...WAIT, "--scale", "hub=1"]);
}, 400_000);

describe("two hubs behind Traefik (docker compose up --scale hub=2)", () => {
  it("sends requests to both replicas, and both read the experiment written through one of them", { timeout: 400_000 }, async () => {
    composeOk(["up", "-d", ...WAIT, "--scale", "hub=2"]);
    const replicas = hubContainers();
    expect(replicas).toHaveLength(2);
    const before = replicas.map(gatewayLines);
    const name = `scaled-${Date.now().toString(36)}`;
    const { experiment_id } = await mlflow(hub(), PROJECT, "POST", "experiments/create", { name });
    // Concurrent requests make Traefik open connections, and each new one resolves `hub` again.
    // Each round asks more at once than the round before, so that Traefik dials anew rather than
    // reusing the connections it keeps alive.
    let seen: number[] = [];
    let round = 0;
    await eventually(async () => {
      round++;
      const reads = await Promise.all(
        Array.from({ length: 16 * round }, () =>
          fetch(new URL(`/mlflow/${PROJECT}/tracking/api/2.0/mlflow/experiments/get?experiment_id=${experiment_id}`, HUB_URL), {
            headers: { authorization: `Bearer ${hub().token}` },
          }).then(async (r) => [r.status, ((await r.json()) as { experiment?: { name: string } }).experiment?.name]),
        ),
      );
      expect(reads.filter(([status, got]) => status !== 200 || got !== name)).toEqual([]);
      seen = replicas.map((c, i) => gatewayLines(c) - before[i]);
      expect(seen.every((n) => n > 0), `gateway requests per replica: ${seen.join(", ")}`).toBe(true);
    }, 30_000, 500);
    console.log(`[appliance] gateway requests per hub replica after ${round} round(s): ${replicas.map((c, i) => `${c} ${seen[i]}`).join(", ")}`);
  });

  it("keeps every acknowledged write when a replica is stopped mid-stream, and the other takes all traffic after", { timeout: 300_000 }, async () => {
    const replicas = hubContainers();
    expect(replicas).toHaveLength(2);
    const h = hub();
    const { experiment_id } = await mlflow(h, PROJECT, "POST", "experiments/create", { name: `scaled-stop-${Date.now().toString(36)}` });
    const { run: created } = await mlflow(h, PROJECT, "POST", "runs/create", { experiment_id });
    const runId: string = created.info.run_id;
    const acknowledged: number[] = [];
    const refused: string[] = [];
    let step = 0;
    let stop = false;
    // Many writers at once: Traefik reuses its most recent idle connection first, and a few
    // writers could all stay on one replica. The stop must hit one that is taking writes.
    const writer = async () => {
      while (!stop) {
        const s = step++;
        const res = await fetch(new URL(`/mlflow/${PROJECT}/tracking/api/2.0/mlflow/runs/log-metric`, HUB_URL), {
          method: "POST",
          headers: { authorization: `Bearer ${h.token}`, "content-type": "application/json" },
          body: JSON.stringify({ run_id: runId, key: "loss", value: s, timestamp: Date.now(), step: s }),
        }).catch((e: Error) => e);
        if (res instanceof Error) refused.push(`no answer: ${res.message}`);
        else if (res.status === 200) acknowledged.push(s);
        else refused.push(`${res.status} ${(await res.json().catch(() => ({ error_code: "not JSON" }))).error_code}`);
      }
    };
    const [stopped] = replicas.slice(-1);
    const linesAtStart = gatewayLines(stopped);
    const writers = Array.from({ length: 24 }, writer);
    let onStopped = 0;
    await eventually(async () => {
      onStopped = gatewayLines(stopped) - linesAtStart;
      expect(onStopped, `writes on ${stopped} before it is stopped`).toBeGreaterThan(20);
    }, 60_000, 250);
    const r = run("docker", ["stop", stopped]);
    expect(r.status, r.stderr).toBe(0);
    const atStop = { acknowledged: acknowledged.length, step };
    await eventually(async () => expect(acknowledged.length).toBeGreaterThan(atStop.acknowledged + 100), 120_000);
    stop = true;
    await Promise.all(writers);
    console.log(
      `[appliance] ${stopped} stopped after ${atStop.step} writes (${onStopped} or more of them on it) from 24 writers; ${acknowledged.length} acknowledged in all, ${refused.length} refused: ${[...new Set(refused)].join(", ") || "none"}`,
    );
    // None were refused in the runs so far. Should the stop race a write, the client must get an
    // answer the SDK retries (MLflow's client retries 502, 503 and 504), never a reset or a hang.
    for (const x of refused) expect(x, "a refusal is a retryable HTTP answer").toMatch(/^50[234] /);
    const { metrics } = await mlflow(h, PROJECT, "GET", `metrics/get-history?run_id=${runId}&metric_key=loss&max_results=25000`);
    const stored = new Set((metrics as { step: number }[]).map((m) => Number(m.step)));
    expect(acknowledged.filter((s) => !stored.has(s)), "acknowledged writes missing from MLflow").toEqual([]);
    // With one replica left, new connections all go to it.
    const after = await Promise.all(Array.from({ length: 16 }, searchStatus));
    expect(after).toEqual(Array(16).fill(200));
  });
});
