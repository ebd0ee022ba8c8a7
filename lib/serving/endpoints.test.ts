import { describe, expect, it } from "vitest";
import { endpointManager, instanceIdOf, type EndpointRow, type EndpointStore, type ModelLookup } from "./endpoints";
import type { InstanceView, SupervisorClient } from "./supervisor";

/** The desired state in memory, as the database would keep it. */
function memoryStore(): EndpointStore & { rows: EndpointRow[] } {
  const rows: EndpointRow[] = [];
  let n = 0;
  return {
    rows,
    all: async () => rows.map((r) => ({ ...r })),
    deploy: async (r) => {
      let row = rows.find((x) => x.projectId === r.projectId && x.model === r.model && x.refKind === r.refKind && x.ref === r.ref);
      if (!row) {
        row = { id: `0000000${n++}-0000-7000-8000-000000000000`, ...r, version: r.refKind === "version" ? r.ref : null, desired: "running", deployedAt: new Date() };
        rows.push(row);
      }
      row.desired = "running";
      return { ...row };
    },
    setDesired: async (id, desired) => void (rows.find((r) => r.id === id)!.desired = desired),
    setVersion: async (id, version) => void (rows.find((r) => r.id === id)!.version = version),
  };
}

/** A supervisor whose instances become ready (or fail) when the test says so. */
function fakeSupervisor() {
  const instances = new Map<string, InstanceView>();
  const grants: string[] = [];
  const client: SupervisorClient = {
    base: new URL("http://127.0.0.1:1"),
    tunnels: undefined as never,
    list: async () => [...instances.values()].map((i) => ({ ...i })),
    start: async (id, body) => {
      grants.push(body.grant);
      const view: InstanceView = { id, project_id: body.project_id, model: body.model, version: body.version, state: "starting", error: null, started_at: 0, ready_at: null, limits: "", log: [], memory_bytes: null, cpu_seconds: null };
      instances.set(id, view);
      return { ...view };
    },
    stop: async (id) => void instances.delete(id),
  };
  return { client, instances, grants, ready: (id: string) => (instances.get(id)!.state = "ready"), fail: (id: string) => Object.assign(instances.get(id)!, { state: "failed", error: "boom", log: ["Traceback", "RuntimeError: boom"] }) };
}

function setup(overrides: { maxPerProject?: number; idleMs?: number } = {}) {
  const store = memoryStore();
  const sup = fakeSupervisor();
  const aliases = new Map<string, string>([["flood@champion", "1"]]);
  const models: ModelLookup = {
    aliasVersion: async (_p, model, alias) => aliases.get(`${model}@${alias}`),
    versionExists: async (_p, _m, v) => Number(v) <= 5,
  };
  let clock = 1_000_000;
  const manager = endpointManager({
    store,
    supervisor: sup.client,
    models,
    mintGrant: (p) => `grant-for-${p}`,
    idleMs: overrides.idleMs ?? 60_000,
    maxPerProject: overrides.maxPerProject ?? 3,
    maxEndpoints: 10,
    startWaitMs: 0,
    onError: () => {},
    now: () => clock,
  });
  return { store, sup, aliases, manager, tick: (ms: number) => (clock += ms) };
}

const champion = { kind: "alias", alias: "champion" } as const;

/** Counts the reconciliations from now on: each reads the whole desired state once. */
function countReads(store: EndpointStore) {
  const reads = { count: 0 };
  const all = store.all;
  store.all = () => (reads.count++, all());
  return reads;
}
const settled = () => new Promise((r) => setTimeout(r, 20));

describe("the endpoint manager", () => {
  it("starts a deployed alias's version with a grant for its own project, and routes to it once ready", async () => {
    const { manager, sup, store } = setup();
    const deployed = await manager.deploy(101, "flood", champion, "bob");
    expect(deployed.state).toBe("starting");
    const id = instanceIdOf(store.rows[0].id, "1");
    expect([...sup.instances.keys()]).toEqual([id]);
    expect(sup.grants).toEqual(["grant-for-101"]);
    await expect(manager.route(101, "flood", champion)).rejects.toMatchObject({ status: 503, headers: { "retry-after": "5" } });
    sup.ready(id);
    await manager.reconcile();
    expect(await manager.route(101, "flood", champion)).toMatchObject({ instance: id, endpoint: { state: "ready", version: "1" } });
  });

  it("rolls an alias endpoint over: the old version answers until the new one is ready, then stops", async () => {
    const { manager, sup, store, aliases } = setup();
    await manager.deploy(101, "flood", champion, "bob");
    const v1 = instanceIdOf(store.rows[0].id, "1");
    const v2 = instanceIdOf(store.rows[0].id, "2");
    sup.ready(v1);
    await manager.reconcile();
    aliases.set("flood@champion", "2");
    manager.changed(101, "/api/2.0/mlflow/registered-models/alias");
    await manager.reconcile();
    expect([...sup.instances.keys()].sort()).toEqual([v1, v2].sort());
    expect((await manager.route(101, "flood", champion)).instance).toBe(v1);
    expect((await manager.get(101, "flood", champion)).rollingTo).toBe("2");
    sup.ready(v2);
    await manager.reconcile();
    expect((await manager.route(101, "flood", champion)).instance).toBe(v2);
    expect([...sup.instances.keys()]).toEqual([v2]);
    expect(store.rows[0].version).toBe("2");
  });

  it("does not reconcile for a run's log-batch, and does for an alias move", async () => {
    const { manager, sup, store, aliases } = setup();
    await manager.deploy(101, "flood", champion, "bob");
    sup.ready(instanceIdOf(store.rows[0].id, "1"));
    await manager.reconcile();
    const reads = countReads(store);
    aliases.set("flood@champion", "2");
    for (let i = 0; i < 50; i++) manager.changed(101, "/api/2.0/mlflow/runs/log-batch");
    await settled();
    expect(reads.count).toBe(0);
    expect(sup.instances.size).toBe(1);
    manager.changed(101, "/ajax-api/2.0/mlflow/registered-models/alias");
    await settled();
    expect(reads.count).toBe(1);
    expect(sup.instances.has(instanceIdOf(store.rows[0].id, "2"))).toBe(true);
  });

  it("coalesces a burst of 100 alias writes into at most two reconciliations", async () => {
    const { manager, sup, store } = setup();
    await manager.deploy(101, "flood", champion, "bob");
    sup.ready(instanceIdOf(store.rows[0].id, "1"));
    await manager.reconcile();
    const reads = countReads(store);
    const all = store.all;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The first reconciliation is still reading the database while the other 99 writes land.
    store.all = async () => (await gate, all());
    for (let i = 0; i < 100; i++) {
      manager.changed(101, "/api/2.0/mlflow/registered-models/alias");
      await Promise.resolve();
    }
    release();
    await settled();
    expect(reads.count).toBeGreaterThan(0);
    expect(reads.count).toBeLessThanOrEqual(2);
  });

  it("ignores registry writes in a project without an alias endpoint", async () => {
    const { manager, store } = setup();
    await manager.deploy(101, "flood", { kind: "version", version: "1" }, "bob");
    const reads = countReads(store);
    manager.changed(101, "/api/2.0/mlflow/registered-models/alias");
    manager.changed(102, "/api/2.0/mlflow/model-versions/delete");
    await settled();
    expect(reads.count).toBe(0);
  });

  it("keeps the old version serving when the new one fails to start", async () => {
    const { manager, sup, store, aliases } = setup();
    await manager.deploy(101, "flood", champion, "bob");
    const v1 = instanceIdOf(store.rows[0].id, "1");
    sup.ready(v1);
    await manager.reconcile();
    aliases.set("flood@champion", "2");
    await manager.reconcile();
    sup.fail(instanceIdOf(store.rows[0].id, "2"));
    await manager.reconcile();
    const view = await manager.get(101, "flood", champion);
    expect(view.state).toBe("ready");
    expect(view.error).toMatch(/Version 2 failed/);
    expect((await manager.route(101, "flood", champion)).instance).toBe(v1);
  });

  it("shows a model that fails at load as failed with its log, and does not restart it in a loop", async () => {
    const { manager, sup, store } = setup();
    await manager.deploy(101, "flood", { kind: "version", version: "3" }, "bob");
    const id = instanceIdOf(store.rows[0].id, "3");
    sup.fail(id);
    await manager.reconcile();
    await manager.reconcile();
    const view = await manager.get(101, "flood", { kind: "version", version: "3" });
    expect(view).toMatchObject({ state: "failed", error: "boom", log: ["Traceback", "RuntimeError: boom"] });
    expect(sup.grants).toHaveLength(1);
    await expect(manager.route(101, "flood", { kind: "version", version: "3" })).rejects.toMatchObject({ status: 503 });
  });

  it("stops an idle endpoint and starts it again on the next request", async () => {
    const { manager, sup, store, tick } = setup({ idleMs: 60_000 });
    await manager.deploy(101, "flood", champion, "bob");
    const id = instanceIdOf(store.rows[0].id, "1");
    sup.ready(id);
    await manager.reconcile();
    tick(61_000);
    await manager.reconcile();
    expect(sup.instances.size).toBe(0);
    expect((await manager.get(101, "flood", champion)).state).toBe("idle");
    await expect(manager.route(101, "flood", champion)).rejects.toMatchObject({ status: 503 });
    expect(sup.instances.has(id)).toBe(true);
    sup.ready(id);
    await manager.reconcile();
    expect((await manager.route(101, "flood", champion)).instance).toBe(id);
  });

  it("refuses more endpoints than the project's cap, and versions that do not exist", async () => {
    const { manager } = setup({ maxPerProject: 1 });
    await manager.deploy(101, "flood", { kind: "version", version: "1" }, "bob");
    await expect(manager.deploy(101, "flood", { kind: "version", version: "2" }, "bob")).rejects.toMatchObject({ status: 429 });
    await expect(manager.deploy(102, "flood", { kind: "version", version: "9" }, "bob")).rejects.toMatchObject({ status: 404 });
    // Another project has its own cap.
    await expect(manager.deploy(102, "flood", { kind: "version", version: "2" }, "bob")).resolves.toMatchObject({ state: "starting" });
  });

  it("stops what a stopped endpoint ran, and answers its invocations 404; another project's endpoint is not found", async () => {
    const { manager, sup } = setup();
    await manager.deploy(101, "flood", champion, "bob");
    await manager.stop(101, "flood", champion);
    expect(sup.instances.size).toBe(0);
    await expect(manager.route(101, "flood", champion)).rejects.toMatchObject({ status: 404 });
    await expect(manager.route(102, "flood", champion)).rejects.toMatchObject({ status: 404 });
  });

  it("brings back what the database wants after a restart of the hub (a new manager) and of the runtime", async () => {
    const { store, sup, manager } = setup();
    await manager.deploy(101, "flood", champion, "bob");
    sup.instances.clear();
    const again = endpointManager({ store, supervisor: sup.client, models: { aliasVersion: async () => "1", versionExists: async () => true }, mintGrant: () => "g", idleMs: 60_000, maxPerProject: 3, maxEndpoints: 10, startWaitMs: 0, onError: () => {} });
    await again.reconcile();
    expect(sup.instances.size).toBe(1);
  });
});
