import { setTimeout as sleep } from "node:timers/promises";
import { GatewayError, unavailable } from "@/lib/gateway/errors";
import type { ModelRef } from "./path";
import { refText } from "./path";
import { movesServedVersion } from "./registry-writes";
import type { InstanceView, SupervisorClient } from "./supervisor";

/** A row of the desired state (prisma model ServingEndpoint). */
export interface EndpointRow {
  id: string;
  projectId: number;
  model: string;
  refKind: "version" | "alias";
  ref: string;
  version: string | null;
  desired: "running" | "stopped";
  deployedBy: string;
  deployedAt: Date;
}

export interface EndpointStore {
  all(): Promise<EndpointRow[]>;
  /** Creates the endpoint, or sets an existing one running again (by someone else, maybe). */
  deploy(row: { projectId: number; model: string; refKind: "version" | "alias"; ref: string; deployedBy: string }): Promise<EndpointRow>;
  setDesired(id: string, desired: "running" | "stopped"): Promise<void>;
  setVersion(id: string, version: string): Promise<void>;
}

/** What MLflow says of a project's registered models (read in its workspace). */
export interface ModelLookup {
  /** The version an alias points at; undefined when the model or alias does not exist. */
  aliasVersion(projectId: number, model: string, alias: string): Promise<string | undefined>;
  versionExists(projectId: number, model: string, version: string): Promise<boolean>;
}

export type EndpointState = "starting" | "ready" | "failed" | "stopped" | "idle";

/** An endpoint as the dashboard and the API show it. */
export interface EndpointView {
  id: string;
  projectId: number;
  model: string;
  ref: string;
  kind: "version" | "alias";
  version: string | null;
  state: EndpointState;
  error: string | null;
  log: string[];
  deployedBy: string;
  deployedAt: string;
  /** Set while an alias endpoint rolls over to another version. */
  rollingTo: string | null;
  limits: string | null;
  /** The supervisor's instance shown (the one serving, else the one starting or failed): the admin page reads its usage live. */
  instance: string | null;
  memoryBytes: number | null;
  cpuSeconds: number | null;
}

export interface EndpointManagerOptions {
  store: EndpointStore;
  supervisor: SupervisorClient;
  models: ModelLookup;
  /** A read-only grant for one project, for the supervisor's download (lib/serving/grant.ts). */
  mintGrant(projectId: number): string;
  idleMs: number;
  maxPerProject: number;
  maxEndpoints: number;
  /** How long an invocation waits for an endpoint that is starting before it gets 503 + Retry-After. */
  startWaitMs: number;
  onError(e: unknown, what: string): void;
  now?: () => number;
}

interface Live {
  row: EndpointRow;
  /** The instance invocations go to, once one is ready. */
  serving?: string;
  state: EndpointState;
  error: string | null;
  log: string[];
  lastUsed: number;
  idle: boolean;
  instance?: InstanceView;
  rollingTo: string | null;
}

const keyOf = (projectId: number, model: string, refKind: string, ref: string) => `${projectId}\u0000${model}\u0000${refKind}\u0000${ref}`;
/** The supervisor's name of one version of an endpoint: the endpoint's uuid, then the version. */
export const instanceIdOf = (endpointId: string, version: string) => `${endpointId.replace(/-/g, "")}-v${version}`;
const endpointPart = (instanceId: string) => instanceId.slice(0, instanceId.lastIndexOf("-v"));

const notFound = (model: string, ref: ModelRef) =>
  new GatewayError("RESOURCE_DOES_NOT_EXIST", `No endpoint for model '${model}' ${ref.kind === "version" ? `version ${ref.version}` : `alias @${ref.alias}`} in this project: deploy it first.`);

/**
 * The hub's side of model serving: the desired state (database) → the serving supervisor's
 * instances. Reconciled at start, after every change, after a write that may move an alias, and
 * on a timer; an alias endpoint rolls over by starting the new version, switching once it is
 * ready, then stopping the old one. Invocations are routed from memory: no database or MLflow
 * call on their path.
 */
export function endpointManager(o: EndpointManagerOptions) {
  const now = o.now ?? Date.now;
  const live = new Map<string, Live>();
  const byKey = new Map<string, string>();
  let running: Promise<void> | undefined;
  let again = false;
  let loaded = false;

  function track(row: EndpointRow): Live {
    let l = live.get(row.id);
    if (!l) {
      l = { row, state: row.desired === "running" ? "starting" : "stopped", error: null, log: [], lastUsed: now(), idle: false, rollingTo: null };
      live.set(row.id, l);
      byKey.set(keyOf(row.projectId, row.model, row.refKind, row.ref), row.id);
    }
    l.row = row;
    return l;
  }

  async function wantedVersion(row: EndpointRow): Promise<string | undefined> {
    if (row.refKind === "version") return row.ref;
    return o.models.aliasVersion(row.projectId, row.model, row.ref);
  }

  async function reconcileOnce() {
    const rows = await o.store.all();
    loaded = true;
    const instances = new Map((await o.supervisor.list()).map((i) => [i.id, i]));
    const wanted = new Set<string>();
    for (const row of rows) {
      const l = track(row);
      if (row.desired === "stopped" || l.idle) {
        l.state = row.desired === "stopped" ? "stopped" : "idle";
        l.serving = undefined;
        l.rollingTo = null;
        continue;
      }
      if (l.state === "ready" && now() - l.lastUsed > o.idleMs) {
        l.idle = true;
        l.state = "idle";
        l.serving = undefined;
        continue;
      }
      let version: string | undefined;
      try {
        version = await wantedVersion(row);
      } catch (e) {
        // MLflow away: keep what runs, try again next time.
        o.onError(e, "an alias could not be resolved");
        version = l.serving ? instances.get(l.serving)?.version : (row.version ?? undefined);
      }
      if (l.serving && !instances.has(l.serving)) l.serving = undefined;
      if (l.serving) wanted.add(l.serving);
      if (!version) {
        if (!l.serving) {
          l.state = "failed";
          l.error = row.refKind === "alias" ? `The alias @${row.ref} of model '${row.model}' is not set.` : `Model '${row.model}' has no version ${row.ref}.`;
          l.log = [];
        }
        continue;
      }
      const want = instanceIdOf(row.id, version);
      wanted.add(want);
      const inst = instances.get(want);
      if (!inst) {
        try {
          const started = await o.supervisor.start(want, { project_id: row.projectId, model: row.model, version, grant: o.mintGrant(row.projectId) });
          instances.set(want, started);
        } catch (e) {
          o.onError(e, "the serving runtime refused to start an endpoint");
          continue;
        }
      }
      const current = instances.get(want)!;
      if (current.state === "ready") {
        if (l.serving !== want) {
          const old = l.serving;
          l.serving = want;
          if (old) {
            wanted.delete(old);
            await o.supervisor.stop(old).catch((e: unknown) => o.onError(e, "an old endpoint version could not be stopped"));
          }
        }
        if (row.version !== version) {
          await o.store.setVersion(row.id, version);
          row.version = version;
        }
        l.state = "ready";
        l.error = null;
        l.log = [];
        l.rollingTo = null;
      } else if (l.serving && l.serving !== want) {
        // Rolling over: the old version answers until the new one is ready (or stays, if it failed).
        l.state = "ready";
        l.rollingTo = version;
        l.error = current.state === "failed" ? `Version ${version} failed to start; version ${instances.get(l.serving)?.version} still serves. ${current.error ?? ""}`.trim() : null;
        l.log = current.state === "failed" ? current.log : [];
      } else {
        l.state = current.state;
        l.error = current.error;
        l.log = current.log;
        l.rollingTo = null;
      }
      l.instance = instances.get(l.serving ?? want);
    }
    // Instances no endpoint wants any more: stopped endpoints, idle ones, old versions, rows gone.
    for (const id of instances.keys()) {
      if (!wanted.has(id)) await o.supervisor.stop(id).catch((e: unknown) => o.onError(e, "an unwanted endpoint could not be stopped"));
    }
    const ids = new Set(rows.map((r) => r.id));
    for (const [id, l] of live) {
      if (!ids.has(id)) {
        live.delete(id);
        byKey.delete(keyOf(l.row.projectId, l.row.model, l.row.refKind, l.row.ref));
      }
    }
  }

  /** Runs a reconciliation now, or once more after the one under way; resolves when it is done. */
  function reconcile(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await reconcileOnce().catch((e: unknown) => o.onError(e, "serving reconciliation failed"));
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  }

  function view(l: Live): EndpointView {
    const r = l.row;
    return {
      id: r.id,
      projectId: r.projectId,
      model: r.model,
      ref: refText(r.refKind === "version" ? { kind: "version", version: r.ref } : { kind: "alias", alias: r.ref }),
      kind: r.refKind,
      version: r.version,
      state: l.state,
      error: l.error,
      log: l.log,
      deployedBy: r.deployedBy,
      deployedAt: r.deployedAt.toISOString(),
      rollingTo: l.rollingTo,
      limits: l.instance?.limits ?? null,
      instance: l.instance?.id ?? null,
      memoryBytes: l.state === "ready" ? (l.instance?.memory_bytes ?? null) : null,
      cpuSeconds: l.state === "ready" ? (l.instance?.cpu_seconds ?? null) : null,
    };
  }

  const refParts = (ref: ModelRef) => (ref.kind === "version" ? (["version", ref.version] as const) : (["alias", ref.alias] as const));

  function find(projectId: number, model: string, ref: ModelRef): Live | undefined {
    const [kind, value] = refParts(ref);
    const id = byKey.get(keyOf(projectId, model, kind, value));
    return id ? live.get(id) : undefined;
  }

  async function ensureLoaded() {
    if (!loaded) await reconcile();
    if (!loaded) throw unavailable("The hub's database");
  }

  return {
    reconcile,

    /**
     * MLflow accepted a write to `route` in a project: reconcile when it can have moved a version an
     * alias endpoint of the project serves (registry-writes.ts), not for a run's logging. Bursts
     * coalesce in reconcile(): at most one reconciliation runs and one more is queued.
     */
    changed(projectId: number, route: string) {
      if (!movesServedVersion(route)) return;
      for (const l of live.values()) {
        if (l.row.projectId === projectId && l.row.refKind === "alias" && l.row.desired === "running") {
          void reconcile();
          return;
        }
      }
    },

    async list(projectId?: number): Promise<EndpointView[]> {
      await ensureLoaded();
      return [...live.values()].filter((l) => projectId === undefined || l.row.projectId === projectId).map(view);
    },

    async get(projectId: number, model: string, ref: ModelRef): Promise<EndpointView> {
      await ensureLoaded();
      const l = find(projectId, model, ref);
      if (!l) throw notFound(model, ref);
      return view(l);
    },

    async deploy(projectId: number, model: string, ref: ModelRef, deployedBy: string): Promise<EndpointView> {
      await ensureLoaded();
      const exists = ref.kind === "version" ? await o.models.versionExists(projectId, model, ref.version) : (await o.models.aliasVersion(projectId, model, ref.alias)) !== undefined;
      if (!exists) {
        throw new GatewayError("RESOURCE_DOES_NOT_EXIST", ref.kind === "version" ? `Model '${model}' has no version ${ref.version} in this project.` : `Model '${model}' has no alias @${ref.alias} in this project.`);
      }
      const existing = find(projectId, model, ref);
      const runningNow = [...live.values()].filter((l) => l.row.desired === "running" && l !== existing);
      if (runningNow.filter((l) => l.row.projectId === projectId).length >= o.maxPerProject) {
        throw new GatewayError("REQUEST_LIMIT_EXCEEDED", `This project already has ${o.maxPerProject} endpoints deployed (SERVING_MAX_PER_PROJECT): stop one first.`);
      }
      if (runningNow.length >= o.maxEndpoints) throw new GatewayError("REQUEST_LIMIT_EXCEEDED", `The hub already runs ${o.maxEndpoints} endpoints (SERVING_MAX_ENDPOINTS): stop one first.`);
      const [refKind, value] = refParts(ref);
      const row = await o.store.deploy({ projectId, model, refKind, ref: value, deployedBy });
      const l = track(row);
      // A redeploy starts afresh: a failed instance is dropped, an idle endpoint wakes.
      l.idle = false;
      l.lastUsed = now();
      if (l.state !== "ready") {
        l.state = "starting";
        l.error = null;
        const failed = (await o.supervisor.list()).filter((i) => endpointPart(i.id) === row.id.replace(/-/g, "") && i.state === "failed");
        for (const i of failed) await o.supervisor.stop(i.id);
      }
      await reconcile();
      return view(l);
    },

    async stop(projectId: number, model: string, ref: ModelRef): Promise<EndpointView> {
      await ensureLoaded();
      const l = find(projectId, model, ref);
      if (!l) throw notFound(model, ref);
      await o.store.setDesired(l.row.id, "stopped");
      l.row = { ...l.row, desired: "stopped" };
      await reconcile();
      return view(l);
    },

    /**
     * The supervisor instance an invocation goes to. An idle endpoint is woken; one starting is
     * waited for up to startWaitMs, then the caller gets 503 with Retry-After.
     */
    async route(projectId: number, model: string, ref: ModelRef): Promise<{ instance: string; endpoint: EndpointView }> {
      await ensureLoaded();
      const l = find(projectId, model, ref);
      if (!l) throw notFound(model, ref);
      l.lastUsed = now();
      if (l.serving && l.state === "ready") return { instance: l.serving, endpoint: view(l) };
      if (l.row.desired === "stopped") throw new GatewayError("RESOURCE_DOES_NOT_EXIST", `The endpoint for model '${model}' ${refText(ref)} is stopped: deploy it again.`);
      const ready = () => l.serving !== undefined && (l.state as EndpointState) === "ready";
      if (l.idle) {
        l.idle = false;
        l.state = "starting";
        await reconcile();
      }
      const deadline = now() + o.startWaitMs;
      while (!ready() && now() < deadline && (l.state as EndpointState) === "starting") {
        await sleep(250);
        await reconcile();
      }
      if (ready()) return { instance: l.serving!, endpoint: view(l) };
      if (l.state === "failed") throw new GatewayError("TEMPORARILY_UNAVAILABLE", `The endpoint failed to start: ${l.error ?? "see its log on the dashboard"}. Deploy it again once the model is fixed.`);
      throw new GatewayError("TEMPORARILY_UNAVAILABLE", "The endpoint is starting: try again shortly.", { "retry-after": "5" });
    },
  };
}

export type EndpointManager = ReturnType<typeof endpointManager>;
