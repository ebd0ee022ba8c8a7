// Projects as an operator sees them: MLflow workspaces named gitlab-<id>, with
// GitLab's path for each (through the hub's service token) and what they hold.
import { config } from "@/lib/config";
import { GitLabApiError, gitlabGet } from "@/lib/gitlab/api";
import { workspaceNames } from "./mlflow-admin";
import { mlflowDb, projectIdOf } from "./mlflow-db";

export class ProjectNotFound extends Error {
  override name = "ProjectNotFound";
}

export interface ProjectRef {
  id: number;
  /** GitLab's path_with_namespace; null when GitLab no longer knows the id. */
  path: string | null;
  workspace: string;
}

export const workspaceOf = (projectId: number) => `gitlab-${projectId}`;

function serviceToken(): string {
  const token = config().GITLAB_SERVICE_TOKEN;
  if (!token) throw new ProjectNotFound("GITLAB_SERVICE_TOKEN is not set: project paths cannot be looked up in GitLab (give a numeric project id, or set the token)");
  return token;
}

/** GitLab's path for a project id, or null when GitLab answers 404 (deleted, or invisible to the service token). */
export async function gitlabPathOf(id: number): Promise<string | null> {
  try {
    return (await gitlabGet<{ path_with_namespace: string }>(`/projects/${id}`, serviceToken())).path_with_namespace;
  } catch (e) {
    if (e instanceof GitLabApiError && e.status === 404) return null;
    throw e;
  }
}

/**
 * `group/project` (looked up in GitLab with GITLAB_SERVICE_TOKEN) or a numeric
 * id, to the project's MLflow workspace. Fails when the project has none: the
 * hub creates it on the project's first MLflow call.
 */
export async function resolveProject(ref: string): Promise<ProjectRef> {
  const trimmed = ref.trim().replace(/^\/+|\/+$/g, "");
  let id: number;
  let path: string | null;
  if (/^\d+$/.test(trimmed)) {
    id = Number(trimmed);
    path = config().GITLAB_SERVICE_TOKEN ? await gitlabPathOf(id) : null;
  } else if (/^[\w.-]+(\/[\w.-]+)+$/.test(trimmed)) {
    try {
      const p = await gitlabGet<{ id: number; path_with_namespace: string }>(`/projects/${encodeURIComponent(trimmed)}`, serviceToken());
      [id, path] = [p.id, p.path_with_namespace];
    } catch (e) {
      if (e instanceof GitLabApiError && e.status === 404) throw new ProjectNotFound(`GitLab has no project ${trimmed} (or the service token cannot see it)`);
      throw e;
    }
  } else {
    throw new ProjectNotFound(`"${ref}" is neither a project path (group/project) nor a numeric project id`);
  }
  const workspace = workspaceOf(id);
  if (!(await workspaceNames()).includes(workspace)) throw new ProjectNotFound(`project ${path ?? id} has no MLflow yet (no workspace ${workspace})`);
  return { id, path, workspace };
}

export interface WorkspaceStats {
  workspace: string;
  /** From `gitlab-<id>`; null for a workspace of another name (MLflow's `default`). */
  projectId: number | null;
  /** Active ones; deleted ones await garbage collection (see pendingPurge in ./gc). */
  experiments: number;
  runs: number;
  registeredModels: number;
  modelVersions: number;
  /** Latest creation, update, run start or end in the workspace. */
  lastActivity: Date | null;
}

/** What each MLflow workspace holds, from MLflow's database (read-only), by workspace name. */
export async function workspaceStats(): Promise<WorkspaceStats[]> {
  const { rows } = await mlflowDb().query<{ workspace: string; experiments: string; runs: string; models: string; versions: string; last: string | null }>(
    `with e as (select workspace, count(*) filter (where lifecycle_stage = 'active') as n,
                       max(greatest(creation_time, last_update_time)) as last from experiments group by workspace),
          r as (select e.workspace, count(*) filter (where r.lifecycle_stage = 'active' and e.lifecycle_stage = 'active') as n,
                       max(greatest(r.start_time, r.end_time)) as last
                  from runs r join experiments e on e.experiment_id = r.experiment_id group by e.workspace),
          m as (select workspace, count(*) as n, max(greatest(creation_time, last_updated_time)) as last from registered_models group by workspace),
          v as (select workspace, count(*) filter (where current_stage <> 'Deleted_Internal') as n, max(last_updated_time) as last from model_versions group by workspace)
     select w.name as workspace, coalesce(e.n, 0) as experiments, coalesce(r.n, 0) as runs, coalesce(m.n, 0) as models, coalesce(v.n, 0) as versions,
            greatest(e.last, r.last, m.last, v.last) as last
       from workspaces w left join e on e.workspace = w.name left join r on r.workspace = w.name
            left join m on m.workspace = w.name left join v on v.workspace = w.name
      order by w.name`,
  );
  return rows.map((r) => ({
    workspace: r.workspace,
    projectId: projectIdOf(r.workspace),
    experiments: Number(r.experiments),
    runs: Number(r.runs),
    registeredModels: Number(r.models),
    modelVersions: Number(r.versions),
    lastActivity: r.last === null ? null : new Date(Number(r.last)),
  }));
}
