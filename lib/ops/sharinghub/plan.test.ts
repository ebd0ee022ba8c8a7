import { describe, expect, it } from "vitest";
import { markerOfExperiment, MIGRATED_FROM_TAG, nothingToWrite, ownerOf, planMigration, projectsToResolve, schemaRefusal, type Inventory, type Resolutions, type SourceExperiment, type SourceModel, type TargetState } from "./plan";

const REVISION = "5b0e9adcef9c";
const FLOOD = { id: 101, path: "ml-team/flood-detection" };
const SEG = { id: 102, path: "ml-team/vision/segmentation" };

const experiment = (id: string, name: string, tags: Record<string, string> = {}, runs = [`run${id}a`]): SourceExperiment => ({
  id,
  name,
  artifactLocation: `mlflow-artifacts:/${id}`,
  lifecycleStage: "active",
  creationTime: 1_700_000_000_000 + Number(id),
  tags,
  runs: runs.map((r) => ({ id: r, artifactUri: `mlflow-artifacts:/${id}/${r}/artifacts`, lifecycleStage: "active" })),
});
const model = (name: string, tags: Record<string, string> = {}, versions: { runId: string }[] = []): SourceModel => ({
  name,
  creationTime: 1_700_000_000_000,
  tags,
  versions: versions.map((v, i) => ({ version: i + 1, source: null, storageLocation: null, runId: v.runId, stage: "None" })),
  aliases: {},
});
const inventory = (experiments: SourceExperiment[], models: SourceModel[] = [], extra: Partial<Inventory> = {}): Inventory => ({
  revision: REVISION,
  accepted: true,
  experiments,
  models,
  rowCounts: { experiments: experiments.length },
  movedTables: ["experiments", "runs", "registered_models"],
  bookkeepingTables: ["alembic_version", "workspaces"],
  ...extra,
});
const gitlab = (byId: [number, typeof FLOOD | null][] = [[101, FLOOD], [102, SEG]], byPath: [string, typeof FLOOD | null][] = [[SEG.path, SEG]]): Resolutions => ({ byId: new Map(byId), byPath: new Map(byPath) });
const empty: TargetState = { experiments: [], models: [], runs: [] };
const options = { stripSuffix: false, artifactDirOf: (l: string) => /^mlflow-artifacts:\/(\d+)$/.exec(l)?.[1] ?? null };

describe("ownerOf", () => {
  it("takes the project id from the ` (<id>)` suffix before the project tag, which goes stale when a project is renamed", () => {
    expect(ownerOf("flood (101)", { project: "old/path" })).toEqual({ id: 101 });
    expect(ownerOf("baseline", { project: "/ml-team/vision/segmentation/" })).toEqual({ path: "ml-team/vision/segmentation" });
    expect(ownerOf("Default", {})).toBeNull();
    expect(ownerOf("run (v2) final", {})).toBeNull();
  });
});

describe("schemaRefusal", () => {
  it("reads MLflow 2.14's schema only: a newer, older or missing revision is refused by name", () => {
    expect(schemaRefusal(REVISION)).toBeNull();
    expect(schemaRefusal("ffffffffffff")).toContain("revision ffffffffffff, which this migrator does not read");
    expect(schemaRefusal(null)).toContain("no alembic_version table");
  });
});

describe("planMigration", () => {
  it("maps experiments and models to gitlab-<id> by suffix, by path through GitLab, and lists what no project owns", () => {
    const inv = inventory(
      [experiment("0", "Default"), experiment("1", "flood (101)", { project: "ml-team/old-name" }), experiment("2", "baseline", { project: SEG.path }), experiment("3", "stray")],
      [model("flood-model (101)", {}, [{ runId: "run1a" }]), model("orphan")],
    );
    expect(projectsToResolve(inv)).toEqual({ ids: [101], paths: [SEG.path] });
    const plan = planMigration(inv, gitlab(), empty, options);
    expect(plan.refusals).toEqual([]);
    expect(plan.projects.map((p) => [p.workspace, p.path, p.experiments.map((e) => [e.sourceId, e.name, e.state, e.artifactDir]), p.models.map((m) => m.name)])).toEqual([
      ["gitlab-101", FLOOD.path, [["1", "flood (101)", "move", "1"]], ["flood-model (101)"]],
      ["gitlab-102", SEG.path, [["2", "baseline", "move", "2"]], []],
    ]);
    expect(plan.unowned).toEqual({ experiments: [{ id: "0", name: "Default", runs: 1 }, { id: "3", name: "stray", runs: 1 }], models: [{ name: "orphan", versions: 0 }] });
    expect(nothingToWrite(plan)).toBe(false);
  });

  it("refuses a project id or path GitLab does not know instead of guessing", () => {
    const plan = planMigration(inventory([experiment("1", "ghost (999)"), experiment("2", "lost", { project: "gone/away" })]), gitlab([[999, null]], [["gone/away", null]]), empty, options);
    expect(plan.refusals).toEqual([
      'experiment "ghost (999)" (id 1) names GitLab project id 999, which GitLab does not know (deleted, or invisible to GITLAB_SERVICE_TOKEN)',
      'experiment "lost" (id 2) is tagged project=gone/away, a path GitLab does not know (renamed without a redirect, deleted, or invisible to GITLAB_SERVICE_TOKEN)',
    ]);
  });

  it("refuses a name the project's workspace already holds, unless this migration wrote it", () => {
    const target: TargetState = { experiments: [{ workspace: "gitlab-101", id: "7", name: "flood (101)", migratedFrom: null, artifactLocation: "mlflow-artifacts:/workspaces/gitlab-101/7" }], models: [{ workspace: "gitlab-101", name: "m (101)", migratedFrom: null }], runs: [] };
    const plan = planMigration(inventory([experiment("1", "flood (101)")], [model("m (101)")]), gitlab(), target, options);
    expect(plan.refusals).toEqual([
      'gitlab-101 already has an experiment "flood (101)", which this migration did not write: rename one of them first',
      'gitlab-101 already has a registered model "m (101)", which this migration did not write: rename one of them first',
    ]);
  });

  it("finds what an earlier run moved by its marker: nothing left to write, the old location known for model sources", () => {
    const target: TargetState = {
      experiments: [{ workspace: "gitlab-101", id: "7", name: "flood", migratedFrom: "sharinghub experiment 1 created 1700000000001", artifactLocation: "mlflow-artifacts:/workspaces/gitlab-101/7" }],
      models: [{ workspace: "gitlab-101", name: "m", migratedFrom: 'sharinghub model "m (101)" created 1700000000000' }],
      runs: [{ id: "run1a", workspace: "gitlab-101", experimentId: "7" }],
    };
    const plan = planMigration(inventory([experiment("1", "flood (101)")], [model("m (101)", {}, [{ runId: "run1a" }])]), gitlab(), target, { ...options, stripSuffix: true });
    expect(plan.refusals).toEqual([]);
    expect(plan.projects[0].experiments[0]).toMatchObject({ state: "migrated", targetId: "7", name: "flood" });
    expect(plan.projects[0].models[0]).toMatchObject({ state: "migrated", name: "m" });
    expect(plan.knownLocations).toEqual({ "mlflow-artifacts:/1": "mlflow-artifacts:/workspaces/gitlab-101/7" });
    expect(nothingToWrite(plan)).toBe(true);
    expect(MIGRATED_FROM_TAG).toBe("mlflow_hub.migrated_from");
  });

  it("does not take another deployment's experiment 1 for this one's: the marker carries the creation time", () => {
    const other = experiment("1", "flood (101)");
    const target: TargetState = {
      experiments: [{ workspace: "gitlab-101", id: "7", name: "flood-lite (101)", migratedFrom: markerOfExperiment({ ...other, creationTime: 42 }), artifactLocation: "mlflow-artifacts:/workspaces/gitlab-101/7" }],
      models: [],
      runs: [],
    };
    const plan = planMigration(inventory([other]), gitlab(), target, options);
    expect(plan.projects[0].experiments[0]).toMatchObject({ state: "move", name: "flood (101)", marker: markerOfExperiment(other) });
  });

  it("refuses a run id that already exists in the hub outside what this migration wrote (run ids are kept, never remapped)", () => {
    const target: TargetState = { ...empty, runs: [{ id: "run1a", workspace: "gitlab-102", experimentId: "3" }] };
    expect(planMigration(inventory([experiment("1", "flood (101)")]), gitlab(), target, options).refusals).toEqual([
      'run run1a of experiment "flood (101)" already exists in the hub (workspace gitlab-102, experiment 3), not written by this migration',
    ]);
  });

  it("--strip-suffix renames `name (42)` to `name` only where that name is free in the workspace", () => {
    const target: TargetState = { ...empty, models: [{ workspace: "gitlab-101", name: "taken", migratedFrom: null }] };
    const plan = planMigration(
      inventory([experiment("1", "flood (101)"), experiment("2", "twin (101)"), experiment("3", "twin", { project: FLOOD.path })], [model("taken (101)"), model("free (101)")]),
      gitlab([[101, FLOOD]], [[FLOOD.path, FLOOD]]),
      target,
      { ...options, stripSuffix: true },
    );
    expect(plan.refusals).toEqual([]);
    expect(plan.projects[0].experiments.map((e) => e.name)).toEqual(["flood", "twin (101)", "twin"]);
    expect(plan.projects[0].models.map((m) => m.name)).toEqual(["taken (101)", "free"]);
    expect(planMigration(inventory([experiment("1", "flood (101)")]), gitlab(), empty, options).projects[0].experiments[0].name).toBe("flood (101)");
  });

  it("refuses artifacts it cannot read: an experiment outside the artifact root, a run outside its experiment", () => {
    const outside = { ...experiment("1", "flood (101)"), artifactLocation: "file:///elsewhere/1" };
    const stray = experiment("2", "seg (102)");
    stray.runs[0].artifactUri = "s3://other-bucket/x/artifacts";
    expect(planMigration(inventory([outside, stray]), gitlab(), empty, options).refusals).toEqual([
      'experiment "flood (101)" keeps its artifacts at file:///elsewhere/1, outside the artifact root given: its artifacts cannot be read',
      "run run1a of experiment \"flood (101)\" keeps its artifacts at mlflow-artifacts:/1/run1a/artifacts, outside its experiment's file:///elsewhere/1: they cannot be read",
      "run run2a of experiment \"seg (102)\" keeps its artifacts at s3://other-bucket/x/artifacts, outside its experiment's mlflow-artifacts:/2: they cannot be read",
    ]);
  });

  it("refuses a model version whose run goes to another project, and tables it does not move", () => {
    const plan = planMigration(inventory([experiment("1", "flood (101)")], [model("seg (102)", {}, [{ runId: "run1a" }])], { rowCounts: { experiments: 1, logged_models: 2 } }), gitlab(), empty, options);
    expect(plan.refusals).toEqual([
      "the source holds 2 rows in table logged_models, which this migrator does not move",
      'version 1 of model "seg (102)" comes from run run1a of experiment "flood (101)", which goes to gitlab-101, not to gitlab-102: move that run\'s model by hand',
    ]);
  });

  it("refuses an unknown schema before anything else", () => {
    const plan = planMigration({ revision: "ffffffffffff", accepted: false }, gitlab(), empty, options);
    expect(plan.refusals).toHaveLength(1);
    expect(plan.refusals[0]).toContain("ffffffffffff");
    expect(plan.projects).toEqual([]);
  });
});
