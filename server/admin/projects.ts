import "server-only";
import { artifactPrefixes } from "@/lib/admin/artifacts";
import { createMemo, mapLimit } from "@/lib/admin/memo";
import { config } from "@/lib/config";
import { gitlabCalls } from "@/lib/gateway/metrics";
import { gitlabGet, GitLabApiError } from "@/lib/gitlab/api";
import { listExperiments, listRegisteredModels, listRunInfos, listWorkspaces } from "./mlflow";
import { storageUse } from "./storage";

/** One project's row on the admin Projects page; plain data, so it crosses to the client table. */
export interface ProjectStats {
  workspace: string;
  projectId: number;
  /** `gone`: GitLab says 404 (deleted, or invisible to the token used); `unknown`: GitLab could not be asked. */
  gitlab: { state: "found"; path: string; webUrl?: string } | { state: "gone" } | { state: "unknown"; why: string };
  experiments: number;
  runs: number;
  models: number;
  storageBytes: number;
  objects: number;
  /** Milliseconds since the epoch: the newest of experiment updates, run starts and ends, model updates and artifacts. */
  lastActivity: number | null;
  /** Set when MLflow or the bucket could not be read for this workspace; the numbers are then partial. */
  error?: string;
}

export interface ProjectsOverview {
  projects: ProjectStats[];
  /** Workspaces that are no GitLab project's (MLflow's own `default`). */
  otherWorkspaces: string[];
  computedAt: number;
}

/** The page can be reloaded at will: the bucket and MLflow are read at most once a minute. */
const TTL_MS = 60_000;
const KEY = Symbol.for("mlflow-hub.admin-projects");
type Holder = { [KEY]?: ReturnType<typeof createMemo<ProjectsOverview>> };

export const projectIdOf = (workspace: string) => (/^gitlab-(\d+)$/.test(workspace) ? Number(workspace.slice("gitlab-".length)) : null);

async function askGitLab(projectId: number, adminToken: string): Promise<ProjectStats["gitlab"]> {
  const token = config().GITLAB_SERVICE_TOKEN ?? adminToken;
  try {
    const p = await gitlabGet<{ path_with_namespace: string; web_url?: string }>(`/projects/${projectId}`, token);
    gitlabCalls.labels("projects/:id", "200").inc();
    return { state: "found", path: p.path_with_namespace, webUrl: p.web_url };
  } catch (e) {
    if (!(e instanceof GitLabApiError)) throw e;
    gitlabCalls.labels("projects/:id", String(e.status)).inc();
    return e.status === 404 ? { state: "gone" } : { state: "unknown", why: e.message };
  }
}

const PATHS = Symbol.for("mlflow-hub.admin-project-paths");
type PathHolder = { [PATHS]?: ReturnType<typeof createMemo<ProjectStats["gitlab"]>> };

/** A project's GitLab path (or gone/unknown), asked with the service token (else the admin's), kept a minute. */
export async function gitlabPath(projectId: number, adminToken: string): Promise<ProjectStats["gitlab"]> {
  const holder = globalThis as PathHolder;
  holder[PATHS] ??= createMemo(TTL_MS);
  return (await holder[PATHS].get(String(projectId), () => askGitLab(projectId, adminToken))).value;
}

const newest = (...times: (number | null | undefined)[]) => times.reduce<number | null>((a, t) => (t && (!a || t > a) ? t : a), null);

/** MLflow's counts and the bucket's bytes for one workspace; a failure is kept on the row, not thrown. */
async function fillNumbers(row: ProjectStats): Promise<void> {
  try {
    const experiments = await listExperiments(row.workspace);
    const active = experiments.filter((e) => e.lifecycle_stage === "active");
    const [runs, models, storage] = await Promise.all([
      listRunInfos(
        row.workspace,
        active.map((e) => e.experiment_id),
      ),
      listRegisteredModels(row.workspace),
      storageUse(artifactPrefixes(experiments, config().S3_BUCKET)),
    ]);
    Object.assign(row, { experiments: active.length, runs: runs.length, models: models.length, storageBytes: storage.bytes, objects: storage.objects });
    row.lastActivity = newest(
      ...experiments.map((e) => e.last_update_time),
      ...runs.flatMap((r) => [r.start_time, r.end_time]),
      ...models.map((m) => m.last_updated_timestamp),
      storage.lastModified?.getTime(),
    );
  } catch (e) {
    const cause = (e as Error).cause as Error | undefined;
    row.error = `${(e as Error).message}${cause?.message ? ` (${cause.message})` : ""}`;
  }
}

async function statsOf(workspace: string, projectId: number, adminToken: string): Promise<ProjectStats> {
  const row: ProjectStats = { workspace, projectId, gitlab: { state: "unknown", why: "not asked" }, experiments: 0, runs: 0, models: 0, storageBytes: 0, objects: 0, lastActivity: null };
  const [gitlab] = await Promise.all([gitlabPath(projectId, adminToken).catch((e: Error) => ({ state: "unknown", why: e.message }) as const), fillNumbers(row)]);
  row.gitlab = gitlab;
  return row;
}

function memo() {
  const holder = globalThis as Holder;
  holder[KEY] ??= createMemo<ProjectsOverview>(TTL_MS);
  return holder[KEY];
}

/** The next view computes afresh (the page's "Recompute now"). */
export const forgetProjectsOverview = () => memo().forget("all");

/** Every project with an MLflow workspace, with its numbers; computed at most once a minute. */
export async function projectsOverview(adminToken: string): Promise<ProjectsOverview> {
  const { value } = await memo().get("all", async () => {
    const workspaces = await listWorkspaces();
    const projects = workspaces.flatMap((w) => {
      const id = projectIdOf(w.name);
      return id === null ? [] : [{ workspace: w.name, id }];
    });
    const stats = await mapLimit(projects, 4, (p) => statsOf(p.workspace, p.id, adminToken));
    return {
      projects: stats.sort((a, b) => a.projectId - b.projectId),
      otherWorkspaces: workspaces.map((w) => w.name).filter((n) => projectIdOf(n) === null),
      computedAt: Date.now(),
    };
  });
  return value;
}
