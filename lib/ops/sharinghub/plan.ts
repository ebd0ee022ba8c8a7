// What `mlflow-hub migrate-sharinghub` will do, decided from what the source holds,
// what GitLab says about its projects and what the hub already has: pure, so every
// mapping, collision and refusal is unit-tested (plan.test.ts).

/** Alembic revisions of MLflow's schema this migrator reads: MLflow 2.14.x, what mlflow-sharinghub 0.2.0 pins (~=2.14.1). */
export const SHARINGHUB_SCHEMA_REVISIONS: Readonly<Record<string, string>> = { "5b0e9adcef9c": "MLflow 2.14" };

/** Tag the migrator puts on each experiment and registered model it writes: how a later run knows it moved them already. */
export const MIGRATED_FROM_TAG = "mlflow_hub.migrated_from";

/** The tag mlflow-sharinghub sets on experiments and registered models: the GitLab project's full path. */
export const PROJECT_TAG = "project";

const SUFFIX = / \((\d+)\)$/;

export interface SourceRun {
  id: string;
  artifactUri: string | null;
  lifecycleStage: string;
}

export interface SourceExperiment {
  id: string;
  name: string;
  artifactLocation: string | null;
  lifecycleStage: string;
  /** Milliseconds since the epoch, as MLflow stores it; with the id, what tells this experiment from another source's. */
  creationTime: number | null;
  tags: Record<string, string>;
  runs: SourceRun[];
}

export interface SourceVersion {
  version: number;
  source: string | null;
  storageLocation: string | null;
  runId: string | null;
  stage: string;
}

export interface SourceModel {
  name: string;
  creationTime: number | null;
  tags: Record<string, string>;
  versions: SourceVersion[];
  aliases: Record<string, number>;
}

/** What sharinghub_db.py inventory reports about the source's upgraded copy. */
export interface Inventory {
  revision: string | null;
  accepted: boolean;
  experiments?: SourceExperiment[];
  models?: SourceModel[];
  rowCounts?: Record<string, number>;
  movedTables?: string[];
  bookkeepingTables?: string[];
}

export interface GitLabProject {
  id: number;
  path: string;
}

/** GitLab's answers, by project id and by path; null: GitLab does not know it. */
export interface Resolutions {
  byId: ReadonlyMap<number, GitLabProject | null>;
  byPath: ReadonlyMap<string, GitLabProject | null>;
}

/** What the hub's MLflow database already holds in the workspaces concerned. */
export interface TargetState {
  experiments: { workspace: string; id: string; name: string; migratedFrom: string | null; artifactLocation: string }[];
  models: { workspace: string; name: string; migratedFrom: string | null }[];
  /** Where source run ids already exist in the hub. */
  runs: { id: string; workspace: string; experimentId: string }[];
}

export interface ExperimentPlan {
  sourceId: string;
  sourceName: string;
  name: string;
  runs: number;
  /** `move`: to write; `migrated`: an earlier run wrote it (its id in the hub is targetId). */
  state: "move" | "migrated";
  targetId: string | null;
  /** The experiment's folder relative to the source's artifact root (`<experiment id>` in SharingHub's layout). */
  artifactDir: string;
  marker: string;
}

export interface ModelPlan {
  sourceName: string;
  name: string;
  versions: number;
  aliases: number;
  state: "move" | "migrated";
  marker: string;
}

export interface ProjectPlan {
  id: number;
  path: string;
  workspace: string;
  experiments: ExperimentPlan[];
  models: ModelPlan[];
}

export interface Plan {
  projects: ProjectPlan[];
  /** Neither tagged nor suffixed with a project: listed, not moved. */
  unowned: { experiments: { id: string; name: string; runs: number }[]; models: { name: string; versions: number }[] };
  /** Old experiment location → where it lives in the hub, for experiments moved by an earlier run (model sources may point there). */
  knownLocations: Record<string, string>;
  refusals: string[];
}

export interface PlanOptions {
  stripSuffix: boolean;
  /** How the source's artifact locations map to folders of its artifact root. */
  artifactDirOf: (location: string) => string | null;
}

export const workspaceOf = (projectId: number) => `gitlab-${projectId}`;

/** How a SharingHub experiment or model names its project: the ` (<id>)` suffix, else the `project` tag; null when neither. */
export function ownerOf(name: string, tags: Record<string, string>): { id: number } | { path: string } | null {
  const m = SUFFIX.exec(name);
  if (m) return { id: Number(m[1]) };
  const path = tags[PROJECT_TAG]?.trim().replace(/^\/+|\/+$/g, "");
  return path ? { path } : null;
}

/** The name without its ` (<id>)` suffix. */
export const withoutSuffix = (name: string) => name.replace(SUFFIX, "");

/** Refusal text for a source at a schema revision other than the ones this migrator reads; null when it reads it. */
export function schemaRefusal(revision: string | null): string | null {
  if (revision && SHARINGHUB_SCHEMA_REVISIONS[revision]) return null;
  const known = Object.entries(SHARINGHUB_SCHEMA_REVISIONS).map(([r, v]) => `${r} (${v})`).join(", ");
  return revision === null
    ? `the source database has no MLflow schema version (no alembic_version table): is it an MLflow database? This migrator reads ${known}`
    : `the source database is at MLflow schema revision ${revision}, which this migrator does not read (it reads ${known}): upgrade or downgrade the SharingHub deployment to MLflow 2.14 first`;
}

/** The project each source item belongs to, per GitLab; a refusal when GitLab does not know the id or path. */
function resolve(owner: { id: number } | { path: string }, r: Resolutions, what: string): GitLabProject | string {
  if ("id" in owner) {
    const p = r.byId.get(owner.id);
    return p ?? `${what} names GitLab project id ${owner.id}, which GitLab does not know (deleted, or invisible to GITLAB_SERVICE_TOKEN)`;
  }
  const p = r.byPath.get(owner.path);
  return p ?? `${what} is tagged ${PROJECT_TAG}=${owner.path}, a path GitLab does not know (renamed without a redirect, deleted, or invisible to GITLAB_SERVICE_TOKEN)`;
}

/** Every id and path GitLab has to be asked about. */
export function projectsToResolve(inventory: Inventory): { ids: number[]; paths: string[] } {
  const ids = new Set<number>();
  const paths = new Set<string>();
  for (const item of [...(inventory.experiments ?? []), ...(inventory.models ?? [])]) {
    const o = ownerOf(item.name, item.tags);
    if (o && "id" in o) ids.add(o.id);
    else if (o) paths.add(o.path);
  }
  return { ids: [...ids].sort((a, b) => a - b), paths: [...paths].sort() };
}

// Ids and names repeat across SharingHub deployments (every one has an experiment 1): the creation time tells them apart.
export const markerOfExperiment = (e: SourceExperiment) => `sharinghub experiment ${e.id} created ${e.creationTime ?? "?"}`;
export const markerOfModel = (m: SourceModel) => `sharinghub model ${JSON.stringify(m.name)} created ${m.creationTime ?? "?"}`;

/** Picks the names items get in their workspace: stripped of the suffix when asked and free, else as they were. */
function chooseNames<T extends { sourceName: string; state: "move" | "migrated"; name: string }>(items: T[], taken: Set<string>, strip: boolean, kind: string, workspace: string, refusals: string[]) {
  const wanted = new Map<string, number>();
  for (const i of items) if (i.state === "move") wanted.set(withoutSuffix(i.sourceName), (wanted.get(withoutSuffix(i.sourceName)) ?? 0) + 1);
  for (const i of items) {
    if (i.state !== "move") continue;
    const stripped = withoutSuffix(i.sourceName);
    if (strip && stripped !== i.sourceName && !taken.has(stripped) && wanted.get(stripped) === 1 && !items.some((o) => o !== i && o.sourceName === stripped)) {
      i.name = stripped;
    } else if (taken.has(i.sourceName)) {
      refusals.push(`${workspace} already has ${kind} "${i.sourceName}", which this migration did not write: rename one of them first`);
    }
    taken.add(i.name);
  }
}

export function planMigration(inventory: Inventory, resolutions: Resolutions, target: TargetState, options: PlanOptions): Plan {
  const refusals: string[] = [];
  const schema = schemaRefusal(inventory.revision);
  const plan: Plan = { projects: [], unowned: { experiments: [], models: [] }, knownLocations: {}, refusals };
  if (schema || !inventory.accepted) {
    refusals.push(schema ?? `the source database is at a revision the inventory did not read`);
    return plan;
  }
  const moved = new Set(inventory.movedTables ?? []);
  const bookkeeping = new Set(inventory.bookkeepingTables ?? []);
  for (const [table, n] of Object.entries(inventory.rowCounts ?? {})) {
    if (!moved.has(table) && !bookkeeping.has(table)) refusals.push(`the source holds ${n} rows in table ${table}, which this migrator does not move`);
  }

  const projects = new Map<number, ProjectPlan>();
  const projectOf = (p: GitLabProject) => {
    let plan = projects.get(p.id);
    if (!plan) projects.set(p.id, (plan = { id: p.id, path: p.path, workspace: workspaceOf(p.id), experiments: [], models: [] }));
    return plan;
  };
  const experimentWorkspace = new Map<string, string>();

  for (const e of inventory.experiments ?? []) {
    const owner = ownerOf(e.name, e.tags);
    if (!owner) {
      plan.unowned.experiments.push({ id: e.id, name: e.name, runs: e.runs.length });
      continue;
    }
    const project = resolve(owner, resolutions, `experiment "${e.name}" (id ${e.id})`);
    if (typeof project === "string") {
      refusals.push(project);
      continue;
    }
    const p = projectOf(project);
    const marker = markerOfExperiment(e);
    const earlier = target.experiments.find((t) => t.workspace === p.workspace && t.migratedFrom === marker);
    if (earlier) plan.knownLocations[e.artifactLocation ?? ""] = earlier.artifactLocation;
    const artifactDir = e.artifactLocation === null ? null : options.artifactDirOf(e.artifactLocation);
    if (artifactDir === null) refusals.push(`experiment "${e.name}" keeps its artifacts at ${e.artifactLocation ?? "(no location)"}, outside the artifact root given: its artifacts cannot be read`);
    for (const r of e.runs) {
      const location = (e.artifactLocation ?? "").replace(/\/+$/, "");
      if (r.artifactUri !== null && !r.artifactUri.startsWith(`${location}/`)) {
        refusals.push(`run ${r.id} of experiment "${e.name}" keeps its artifacts at ${r.artifactUri}, outside its experiment's ${location}: they cannot be read`);
      }
      const there = target.runs.find((t) => t.id === r.id);
      if (there && !(earlier && there.workspace === p.workspace && there.experimentId === earlier.id)) {
        refusals.push(`run ${r.id} of experiment "${e.name}" already exists in the hub (workspace ${there.workspace}, experiment ${there.experimentId}), not written by this migration`);
      }
    }
    experimentWorkspace.set(e.id, p.workspace);
    p.experiments.push({
      sourceId: e.id,
      sourceName: e.name,
      name: earlier ? earlier.name : e.name,
      runs: e.runs.length,
      state: earlier ? "migrated" : "move",
      targetId: earlier ? earlier.id : null,
      artifactDir: artifactDir ?? "",
      marker,
    });
  }

  const runExperiment = new Map<string, SourceExperiment>();
  for (const e of inventory.experiments ?? []) for (const r of e.runs) runExperiment.set(r.id, e);

  for (const m of inventory.models ?? []) {
    const owner = ownerOf(m.name, m.tags);
    if (!owner) {
      plan.unowned.models.push({ name: m.name, versions: m.versions.length });
      continue;
    }
    const project = resolve(owner, resolutions, `registered model "${m.name}"`);
    if (typeof project === "string") {
      refusals.push(project);
      continue;
    }
    const p = projectOf(project);
    const marker = markerOfModel(m);
    const earlier = target.models.find((t) => t.workspace === p.workspace && t.migratedFrom === marker);
    for (const v of m.versions) {
      const from = v.runId ? runExperiment.get(v.runId) : undefined;
      if (from && experimentWorkspace.get(from.id) !== p.workspace) {
        refusals.push(`version ${v.version} of model "${m.name}" comes from run ${v.runId} of experiment "${from.name}", which ${experimentWorkspace.has(from.id) ? `goes to ${experimentWorkspace.get(from.id)}` : "belongs to no project"}, not to ${p.workspace}: move that run's model by hand`);
      }
    }
    p.models.push({ sourceName: m.name, name: earlier ? earlier.name : m.name, versions: m.versions.length, aliases: Object.keys(m.aliases).length, state: earlier ? "migrated" : "move", marker });
  }

  for (const p of projects.values()) {
    const takenExperiments = new Set(target.experiments.filter((t) => t.workspace === p.workspace).map((t) => t.name));
    chooseNames(p.experiments, takenExperiments, options.stripSuffix, "an experiment", p.workspace, refusals);
    const takenModels = new Set(target.models.filter((t) => t.workspace === p.workspace).map((t) => t.name));
    chooseNames(p.models, takenModels, options.stripSuffix, "a registered model", p.workspace, refusals);
  }
  plan.projects = [...projects.values()].sort((a, b) => a.id - b.id);
  return plan;
}

/** True when the plan writes nothing to the database. */
export const nothingToWrite = (plan: Plan) => plan.projects.every((p) => p.experiments.every((e) => e.state === "migrated") && p.models.every((m) => m.state === "migrated"));
