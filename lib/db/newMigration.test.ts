import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createMigration, migrationFolderName } from "./newMigration";

const at = new Date("2026-01-02T03:04:05.678Z");

describe("migrationFolderName", () => {
  it("prefixes the UTC time as Prisma does and turns the name into a slug", () => {
    expect(migrationFolderName("Add audit IP", at)).toBe("20260102030405_add_audit_ip");
    expect(migrationFolderName("add_audit_ip", at)).toBe("20260102030405_add_audit_ip");
  });

  it("refuses a name with nothing usable in it", () => {
    expect(() => migrationFolderName("--", at)).toThrow(/not a usable migration name/);
  });
});

describe("createMigration", () => {
  it("refuses a migration that would sort before the last one, writing nothing and touching no database", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "new-migration-"));
    try {
      await mkdir(path.join(dir, "20300101000000_from_the_future"));

      await expect(
        createMigration({ name: "late", now: at, migrationsDir: dir, serverUrl: "postgresql://nobody@127.0.0.1:1/none" }),
      ).rejects.toThrow(/would sort before the existing migration 20300101000000_from_the_future/);
      expect(await readdir(dir)).toEqual(["20300101000000_from_the_future"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
