/** GitLab's access levels (doc/api/members.md). */
export const ACCESS_LEVEL = { none: 0, minimal: 5, guest: 10, planner: 15, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const;

export const ROLE_NAMES: Record<number, string> = { 10: "Guest", 15: "Planner", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner" };

/** The caller's GitLab role name, or how they reach the project without one. */
export function roleName(level: number): string {
  const known = Object.keys(ROLE_NAMES)
    .map(Number)
    .filter((l) => l <= level)
    .pop();
  return known === undefined ? "no role" : ROLE_NAMES[known];
}

export type ProjectAction = "read" | "write" | "delete" | "invoke" | "deploy";

export interface Permission {
  action: ProjectAction;
  title: string;
  description: string;
  /** Lowest GitLab access level allowed. */
  minAccessLevel: number;
  /** Whether people without a role reach it through the project's visibility (public: anyone; internal: signed-in). */
  byVisibility: boolean;
}

export type DeleteFloor = "developer" | "maintainer" | "owner";

/**
 * The one table of who may do what in a project's MLflow. The gateway decides
 * with it; the dashboard renders it and hides the controls it denies.
 */
export function permissionTable(deleteFloor: DeleteFloor): readonly Permission[] {
  let table = tables.get(deleteFloor);
  if (!table) {
    table = Object.freeze(buildTable(deleteFloor));
    tables.set(deleteFloor, table);
  }
  return table;
}

// decide() reads the table on every gateway request: build it once per delete floor.
const tables = new Map<DeleteFloor, readonly Permission[]>();

function buildTable(deleteFloor: DeleteFloor): Permission[] {
  return [
    {
      action: "read",
      title: "Read",
      description: "See experiments, runs, parameters, metrics, artifacts, datasets, traces and registered models; open the MLflow UI; download models.",
      minAccessLevel: ACCESS_LEVEL.guest,
      byVisibility: true,
    },
    {
      action: "write",
      title: "Create and update",
      description: "Create experiments and runs; log parameters, metrics, tags, artifacts, datasets and traces; register models and versions; set or remove tags and aliases; set stages and descriptions.",
      minAccessLevel: ACCESS_LEVEL.developer,
      byVisibility: false,
    },
    {
      action: "invoke",
      title: "Invoke model endpoints",
      description: "Call the project's model endpoints (/mlflow/<project>/serving/<model>/<version or alias>/invocations) and see their state.",
      minAccessLevel: ACCESS_LEVEL.guest,
      byVisibility: true,
    },
    {
      action: "deploy",
      title: "Deploy model endpoints",
      description: "Deploy a registered model version or alias as an endpoint, roll it to another version, and stop it.",
      minAccessLevel: ACCESS_LEVEL.developer,
      byVisibility: false,
    },
    {
      action: "delete",
      title: "Delete and restore",
      description: "Delete or restore experiments, runs, artifacts, traces, assessments, registered models and model versions.",
      minAccessLevel: ACCESS_LEVEL[deleteFloor],
      byVisibility: false,
    },
  ];
}
