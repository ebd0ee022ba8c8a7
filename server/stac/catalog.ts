import { LRUCache } from "lru-cache";
import { config } from "@/lib/config";
import { sourceAllowed, type CheckContext } from "@/lib/gateway/checks";
import { GatewayError, unavailable } from "@/lib/gateway/errors";
import { workspaceOf } from "@/lib/gateway/project-path";
import type { ModelVersion, RegisteredModel, Run } from "@/lib/mlflow-api/types";
import type { VersionDetail } from "@/lib/stac/documents";
import { modelFileRoute } from "@/lib/stac/files";
import { exampleColumns, readMlmodel, type MlmodelFacts } from "@/lib/stac/mlm";

/**
 * The registered models of every project's MLflow workspace, read straight from the internal
 * MLflow in that workspace (as the gateway forwards) and only ever served after the caller's
 * access to the project was decided (source.ts). Answers are kept briefly: a workspace's list for
 * SNAPSHOT_TTL_MS, or until the gateway reports a write there (`changed`), so a model registered
 * through this hub shows on the next request; other replicas' writes within the TTL.
 */
const SNAPSHOT_TTL_MS = 5_000;
/** A version's MLmodel and input example do not change; its run's params and metrics rarely do. */
const MLMODEL_TTL_MS = 60 * 60_000;
const RUN_TTL_MS = 30_000;
const MAX_FILE_BYTES = 1 << 20;
const WORKSPACE = /^gitlab-([1-9]\d{0,9})$/;

export interface ProjectModels {
  projectId: number;
  models: RegisteredModel[];
  versions: ModelVersion[];
}

interface Entry<T> {
  value?: T;
  at: number;
  pending?: Promise<T>;
  /** Bumped by `changed`: an answer fetched under an older generation is not trusted afterwards. */
  generation: number;
}

interface Files {
  mlmodel?: MlmodelFacts;
  problem?: string;
  exampleColumns?: string[];
}

export function createCatalog(mlflowUrl: string, timeoutMs = 10_000) {
  let calls = 0;
  async function mlflow(path: string, workspace?: string): Promise<Response> {
    calls++;
    try {
      return await fetch(`${mlflowUrl}${path}`, { headers: { accept: "application/json", ...(workspace ? { "x-mlflow-workspace": workspace } : {}) }, signal: AbortSignal.timeout(timeoutMs), cache: "no-store" });
    } catch {
      throw unavailable("MLflow");
    }
  }
  async function json<T>(path: string, workspace?: string): Promise<T> {
    const res = await mlflow(path, workspace);
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw res.status === 404 ? new GatewayError("RESOURCE_DOES_NOT_EXIST", "not found") : unavailable("MLflow");
    }
    return (await res.json()) as T;
  }
  async function pages<T>(path: (token?: string) => string, workspace: string, pick: (j: Record<string, unknown>) => T[] | undefined): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const j = await json<Record<string, unknown>>(path(token), workspace);
      out.push(...(pick(j) ?? []));
      token = typeof j.next_page_token === "string" && j.next_page_token ? j.next_page_token : undefined;
    } while (token);
    return out;
  }

  const fresh = <T>(e: Entry<T> | undefined, generation: number) => e?.value !== undefined && e.generation === generation && Date.now() - e.at < SNAPSHOT_TTL_MS;

  /** Shares one fetch between concurrent callers; keeps the answer only if nothing changed meanwhile. */
  function cached<T>(entries: Map<string, Entry<T>>, key: string, generation: () => number, load: () => Promise<T>): Promise<T> {
    const e = entries.get(key);
    const g = generation();
    if (e && fresh(e, g)) return Promise.resolve(e.value!);
    if (e?.pending && e.generation === g) return e.pending;
    const entry: Entry<T> = { at: Date.now(), generation: g, value: e?.value };
    entry.pending = load()
      .then((value) => {
        if (entries.get(key) === entry) {
          entry.value = value;
          entry.at = Date.now();
        }
        return value;
      })
      .finally(() => (entry.pending = undefined));
    entries.set(key, entry);
    return entry.pending;
  }

  let listGeneration = 0;
  const workspaceGenerations = new Map<string, number>();
  const lists = new Map<string, Entry<number[]>>();
  const snapshots = new Map<string, Entry<ProjectModels>>();

  const projectIds = () =>
    cached(lists, "", () => listGeneration, async () => {
      const j = await json<{ workspaces?: { name: string }[] }>("/api/3.0/mlflow/workspaces");
      return (j.workspaces ?? []).flatMap((w) => {
        const m = WORKSPACE.exec(w.name);
        return m ? [Number(m[1])] : [];
      });
    });

  const projectModels = (projectId: number) => {
    const ws = workspaceOf(projectId);
    return cached(snapshots, ws, () => workspaceGenerations.get(ws) ?? 0, async () => {
      const [models, versions] = await Promise.all([
        pages<RegisteredModel>((t) => `/api/2.0/mlflow/registered-models/search?max_results=1000${t ? `&page_token=${encodeURIComponent(t)}` : ""}`, ws, (j) => j.registered_models as RegisteredModel[] | undefined),
        pages<ModelVersion>((t) => `/api/2.0/mlflow/model-versions/search?max_results=10000${t ? `&page_token=${encodeURIComponent(t)}` : ""}`, ws, (j) => j.model_versions as ModelVersion[] | undefined),
      ]);
      return { projectId, models, versions };
    });
  };

  /** A file's text; undefined when MLflow does not serve it (missing, too large, or MLflow failing on it). */
  async function text(path: string, workspace: string): Promise<string | undefined> {
    const res = await mlflow(path, workspace);
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    const declared = Number(res.headers.get("content-length") ?? 0);
    if (declared > MAX_FILE_BYTES) {
      await res.body?.cancel();
      return undefined;
    }
    const body = await res.text();
    return body.length > MAX_FILE_BYTES ? undefined : body;
  }

  /** The same rule the gateway applies to model-versions/get-artifact: only sources inside the workspace are read. */
  function sourceContext(workspace: string): CheckContext {
    return {
      workspace,
      projectPath: "",
      params: {},
      query: new URLSearchParams(),
      mlflow: async (p) => {
        const res = await mlflow(p, workspace);
        return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
      },
      mayDelete: false,
      deleteRole: "",
    };
  }

  const files = new LRUCache<string, Files, { projectId: number; version: ModelVersion }>({
    max: 20_000,
    ttl: MLMODEL_TTL_MS,
    fetchMethod: async (_key, _stale, { context: { projectId, version } }) => {
      const ws = workspaceOf(projectId);
      if (!version.source || !(await sourceAllowed(version.source, sourceContext(ws)))) return { problem: "The version's source lies outside this project; its files are not read." };
      const file = (path: string) => text(`/${modelFileRoute(version.name, version.version, version.source, path)}`, ws);
      const mlmodelText = await file("MLmodel");
      if (mlmodelText === undefined) return { problem: "The version has no readable MLmodel file." };
      let mlmodel: MlmodelFacts;
      try {
        mlmodel = readMlmodel(mlmodelText);
      } catch {
        return { problem: "The version's MLmodel file could not be read." };
      }
      // Without a signature, the input example is what tells the input's width.
      const hasSignature = Boolean(mlmodel.signature?.inputs?.length);
      const example = !hasSignature && mlmodel.inputExamplePath ? await file(mlmodel.inputExamplePath) : undefined;
      return { mlmodel, exampleColumns: example ? exampleColumns(example) : undefined };
    },
  });

  const runs = new LRUCache<string, { params: { key: string; value: string }[]; metrics: Record<string, number> }, { workspace: string; runId: string }>({
    max: 20_000,
    ttl: RUN_TTL_MS,
    fetchMethod: async (_key, _stale, { context: { workspace, runId } }) => {
      try {
        const { run } = await json<{ run: Run }>(`/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`, workspace);
        return { params: run.data.params ?? [], metrics: Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value])) };
      } catch (e) {
        if (e instanceof GatewayError && e.code === "RESOURCE_DOES_NOT_EXIST") return { params: [], metrics: {} };
        throw e;
      }
    },
  });

  return {
    projectIds,
    projectModels,
    /** What an item shows beyond the version record: files, tags, source run. */
    async detail(projectId: number, model: RegisteredModel | undefined, version: ModelVersion): Promise<VersionDetail> {
      const ws = workspaceOf(projectId);
      const key = `${ws}\n${version.name}\n${version.version}\n${version.creation_timestamp ?? ""}\n${version.source ?? ""}`;
      const [f, run] = await Promise.all([
        files.fetch(key, { context: { projectId, version } }),
        version.run_id ? runs.fetch(`${ws}\n${version.run_id}`, { context: { workspace: ws, runId: version.run_id } }) : undefined,
      ]);
      const tags = Object.fromEntries([...(model?.tags ?? []), ...(version.tags ?? [])].map((t) => [t.key, t.value]));
      const aliases = (model?.aliases ?? []).filter((a) => a.version === version.version).map((a) => a.alias).sort();
      return {
        description: version.description || undefined,
        modelDescription: model?.description || undefined,
        stage: version.current_stage,
        status: version.status,
        aliases,
        tags,
        runId: version.run_id || undefined,
        source: version.source,
        params: run?.params ?? [],
        metrics: run?.metrics ?? {},
        mlmodel: f?.mlmodel,
        mlmodelProblem: f?.problem,
        exampleColumns: f?.exampleColumns,
      };
    },
    /** The gateway saw a write in this workspace: its models (and the workspace list, for a new one) are read again. */
    changed(workspace: string) {
      workspaceGenerations.set(workspace, (workspaceGenerations.get(workspace) ?? 0) + 1);
      if (!lists.get("")?.value?.some((id) => workspaceOf(id) === workspace)) listGeneration++;
    },
    /** MLflow calls made so far, for benchmarks and tests. */
    calls: () => calls,
  };
}

export type Catalog = ReturnType<typeof createCatalog>;

const KEY = Symbol.for("mlflow-hub.stac-catalog");
type Holder = { [KEY]?: Catalog };

/** One catalog per process: the gateway (which reports writes) and Next (which serves /api/stac) are separate bundles. */
export function stacCatalog(): Catalog {
  const holder = globalThis as Holder;
  holder[KEY] ??= createCatalog(config().MLFLOW_URL);
  return holder[KEY];
}
