import { describe, expect, it } from "vitest";
import { decide } from "@/lib/gateway/decide";
import { permissionTable } from "@/lib/gateway/permissions";
import { ANONYMOUS_ROW, levelRow, permissionMatrix, VISIBILITY_ROW, viewerRow } from "./matrix";

const allowed = (m: ReturnType<typeof permissionMatrix>, key: string) =>
  Object.fromEntries(Object.entries(m.rows.find((r) => r.key === key)!.cells).map(([action, c]) => [action, c.allow]));

describe("permission matrix", () => {
  it("has one column per entry of the gateway's permission table, with its title and description", () => {
    const m = permissionMatrix("private", "developer");
    expect(m.columns.map((c) => [c.action, c.title, c.description])).toEqual(permissionTable("developer").map((p) => [p.action, p.title, p.description]));
    expect(m.columns.map((c) => c.minRole)).toEqual(["Guest", "Developer", "Guest", "Developer", "Developer"]);
  });

  it("lets Guest, Planner and Reporter read only, and Developer and up write and delete, by default", () => {
    const m = permissionMatrix("private", "developer");
    for (const level of [10, 15, 20]) expect(allowed(m, levelRow(level))).toEqual({ read: true, write: false, invoke: true, deploy: false, delete: false });
    for (const level of [30, 40, 50]) expect(allowed(m, levelRow(level))).toEqual({ read: true, write: true, invoke: true, deploy: true, delete: true });
  });

  it("moves the delete column with the delete floor and leaves writing alone", () => {
    const m = permissionMatrix("private", "maintainer");
    expect(allowed(m, levelRow(30))).toEqual({ read: true, write: true, invoke: true, deploy: true, delete: false });
    expect(allowed(m, levelRow(40)).delete).toBe(true);
    expect(allowed(permissionMatrix("private", "owner"), levelRow(40)).delete).toBe(false);
    expect(m.rows.find((r) => r.key === levelRow(30))!.cells.delete.refusal).toMatch(/Maintainer or higher/);
  });

  it("adds visibility-only and anonymous rows for public and internal projects, never for private ones", () => {
    expect(permissionMatrix("private", "developer").rows.map((r) => r.key)).not.toContain(VISIBILITY_ROW);
    const pub = permissionMatrix("public", "developer");
    expect(allowed(pub, VISIBILITY_ROW)).toEqual({ read: true, write: false, invoke: true, deploy: false, delete: false });
    expect(allowed(pub, ANONYMOUS_ROW)).toEqual({ read: true, write: false, invoke: true, deploy: false, delete: false });
    const internal = permissionMatrix("internal", "developer");
    expect(allowed(internal, VISIBILITY_ROW)).toEqual({ read: true, write: false, invoke: true, deploy: false, delete: false });
    expect(allowed(internal, ANONYMOUS_ROW)).toEqual({ read: false, write: false, invoke: false, deploy: false, delete: false });
  });

  it("agrees with decide() cell by cell for every visibility and delete floor", () => {
    for (const visibility of ["private", "internal", "public"] as const) {
      for (const floor of ["developer", "maintainer", "owner"] as const) {
        for (const row of permissionMatrix(visibility, floor).rows) {
          const level = row.key.startsWith("level-") ? Number(row.key.slice(6)) : 0;
          const access = { project: { id: 1, path: "g/p", visibility, topics: [] }, accessLevel: level, source: "project" as const, anonymous: row.key === ANONYMOUS_ROW };
          for (const action of ["read", "write", "invoke", "deploy", "delete"] as const) expect(row.cells[action].allow).toBe(decide(action, access, floor).allow);
        }
      }
    }
  });

  it("finds the viewer's row from their access level, or the visibility row without a role", () => {
    expect(viewerRow(30)).toBe(levelRow(30));
    expect(viewerRow(0)).toBe(VISIBILITY_ROW);
    expect(viewerRow(5)).toBe(VISIBILITY_ROW);
  });
});
