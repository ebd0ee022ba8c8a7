import { decide, type ProjectAccess, type Visibility } from "@/lib/gateway/decide";
import { permissionTable, ROLE_NAMES, roleName, type DeleteFloor, type ProjectAction } from "@/lib/gateway/permissions";

export interface MatrixColumn {
  action: ProjectAction;
  title: string;
  description: string;
  /** The lowest role allowed, as a name ("Developer"). */
  minRole: string;
}

export interface MatrixCell {
  allow: boolean;
  /** The gateway's own refusal message for this caller, when it refuses. */
  refusal?: string;
}

export interface MatrixRow {
  /** "level-30", "visibility", "anonymous": the viewer's row is found by it. */
  key: string;
  label: string;
  cells: Record<ProjectAction, MatrixCell>;
}

export interface PermissionMatrix {
  columns: MatrixColumn[];
  rows: MatrixRow[];
}

export const VISIBILITY_ROW = "visibility";
export const ANONYMOUS_ROW = "anonymous";
export const levelRow = (level: number) => `level-${level}`;

/**
 * The role × action matrix of a project with this visibility, every cell asked
 * of decide() — the function the gateway refuses requests with — so the page
 * cannot say something the gateway does not do.
 */
export function permissionMatrix(visibility: Visibility, deleteFloor: DeleteFloor): PermissionMatrix {
  const table = permissionTable(deleteFloor);
  const project = { id: 0, path: "", visibility, topics: [] };
  const row = (key: string, label: string, access: ProjectAccess): MatrixRow => ({
    key,
    label,
    cells: Object.fromEntries(
      table.map((p) => {
        const d = decide(p.action, access, deleteFloor);
        return [p.action, d.allow ? { allow: true } : { allow: false, refusal: d.error.message }];
      }),
    ) as Record<ProjectAction, MatrixCell>,
  });
  const rows = Object.entries(ROLE_NAMES)
    .map(([level, name]) => [Number(level), name] as const)
    .sort(([a], [b]) => a - b)
    .map(([level, name]) => row(levelRow(level), name, { project, accessLevel: level, source: "project", anonymous: false }));
  if (visibility !== "private") {
    rows.push(row(VISIBILITY_ROW, "Visibility only (signed in)", { project, accessLevel: 0, source: "visibility", anonymous: false }));
    rows.push(row(ANONYMOUS_ROW, "Anonymous", { project, accessLevel: 0, source: "visibility", anonymous: true }));
  }
  return {
    columns: table.map((p) => ({ action: p.action, title: p.title, description: p.description, minRole: roleName(p.minAccessLevel) })),
    rows,
  };
}

/** The matrix row that describes the viewer. */
export function viewerRow(accessLevel: number): string {
  if (accessLevel <= 0) return VISIBILITY_ROW;
  const levels = Object.keys(ROLE_NAMES).map(Number).filter((l) => l <= accessLevel);
  return levels.length ? levelRow(Math.max(...levels)) : VISIBILITY_ROW;
}
