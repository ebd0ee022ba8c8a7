import { createHash, randomUUID } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, MigrationRefusedError } from "../../lib/db/migrate.ts";
import { defaultMigrationsDir } from "../../lib/db/migrationsFolder.ts";
import { diffDatabaseToSchema, diffMigrationsToSchema, readSchema } from "../../lib/db/schemaDiff.ts";

// Proves prisma/migrations and prisma/schema.prisma agree, and that the offline
// (WebAssembly engine) path keeps Prisma's migration bookkeeping and refusals.

const scratchPrefix = "hub_migrations_test_";
const created: string[] = [];
let workDir: string;

// Every test asks for the URL itself, so a run without it fails each test with
// this message rather than reporting them skipped.
function adminUrl(): string {
  const url = process.env.POSTGRES_ADMIN_URL;
  if (!url) {
    throw new Error(
      "POSTGRES_ADMIN_URL is not set: this suite needs a superuser URL to the local stack's Postgres " +
        "(e.g. postgresql://hub:…@127.0.0.1:5433/postgres); scripts/test exports it from the stack's env file",
    );
  }
  return url;
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function scratchDatabase(): Promise<string> {
  const name = `${scratchPrefix}${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  await onServer((client) => client.query(`CREATE DATABASE "${name}"`));
  created.push(name);
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<R extends pg.QueryResultRow>(databaseUrl: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A private copy of the real migrations folder that a test may add to or edit. */
async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(workDir, "migrations-"));
  await cp(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

async function addMigration(dir: string, name: string, sql: string): Promise<void> {
  await mkdir(path.join(dir, name));
  await writeFile(path.join(dir, name, "migration.sql"), sql);
}

async function migrationNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort((a, b) => a.localeCompare(b));
}

describe("the hub's Prisma migrations", () => {
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), "hub-migrations-test-"));
  });

  afterAll(async () => {
    if (created.length > 0) {
      await onServer(async (client) => {
        for (const name of created) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    }
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it("build exactly prisma/schema.prisma on an empty database", async () => {
    const databaseUrl = await scratchDatabase();
    const { applied } = await applyMigrations({ databaseUrl });

    expect(applied).toEqual(await migrationNames(defaultMigrationsDir));
    expect(await diffDatabaseToSchema({ databaseUrl })).toBeNull();
  });

  it("match the schema without any database of the hub's (replayed on a temporary shadow database)", async () => {
    expect(await diffMigrationsToSchema({ serverUrl: adminUrl() })).toBeNull();
  });

  it("are recorded in _prisma_migrations the way prisma migrate deploy records them", async () => {
    const databaseUrl = await scratchDatabase();
    await applyMigrations({ databaseUrl });

    const columns = await query<{ column_name: string; data_type: string; is_nullable: string }>(
      databaseUrl,
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ["id", "character varying", "NO"],
      ["checksum", "character varying", "NO"],
      ["finished_at", "timestamp with time zone", "YES"],
      ["migration_name", "character varying", "NO"],
      ["logs", "text", "YES"],
      ["rolled_back_at", "timestamp with time zone", "YES"],
      ["started_at", "timestamp with time zone", "NO"],
      ["applied_steps_count", "integer", "NO"],
    ]);

    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      logs: string | null;
      applied_steps_count: number;
    }>(databaseUrl, "SELECT * FROM _prisma_migrations ORDER BY migration_name");
    const names = await migrationNames(defaultMigrationsDir);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    for (const row of rows) {
      const script = await readFile(path.join(defaultMigrationsDir, row.migration_name, "migration.sql"));
      // Prisma's checksum: SHA-256 of the migration.sql bytes, hex.
      expect(row.checksum).toBe(createHash("sha256").update(script).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("apply nothing the second time", async () => {
    const databaseUrl = await scratchDatabase();
    await applyMigrations({ databaseUrl });

    const log: string[] = [];
    expect(await applyMigrations({ databaseUrl, log: (line) => log.push(line) })).toEqual({ applied: [] });
    expect(log).toContain("no pending migrations");
    const [{ count }] = await query<{ count: string }>(databaseUrl, "SELECT count(*) FROM _prisma_migrations");
    expect(Number(count)).toBe((await migrationNames(defaultMigrationsDir)).length);
  });

  it("refuse a migration whose file was edited after it was applied", async () => {
    const databaseUrl = await scratchDatabase();
    const migrationsDir = await migrationsCopy();
    await applyMigrations({ databaseUrl, migrationsDir });
    const [first] = await migrationNames(migrationsDir);
    await appendFile(path.join(migrationsDir, first, "migration.sql"), "\n-- an edit after the fact\n");
    await addMigration(migrationsDir, "99990101000000_after_the_edit", 'CREATE TABLE "after_the_edit" (x int);');

    const refusal = applyMigrations({ databaseUrl, migrationsDir });
    await expect(refusal).rejects.toBeInstanceOf(MigrationRefusedError);
    await expect(refusal).rejects.toThrow(new RegExp(`${first} changed after being applied`));
    expect(await query(databaseUrl, "SELECT 1 FROM pg_tables WHERE tablename = 'after_the_edit'")).toEqual([]);
  });

  it("refuse to go on after a migration failed, and roll the failed one back entirely", async () => {
    const databaseUrl = await scratchDatabase();
    const migrationsDir = await migrationsCopy();
    await addMigration(migrationsDir, "99990101000000_broken", 'CREATE TABLE "half_done" (x int);\nSELECT 1/0;\n');

    await expect(applyMigrations({ databaseUrl, migrationsDir })).rejects.toThrow(/division by zero/);
    // The whole script is one transaction, as with Prisma's native engine.
    expect(await query(databaseUrl, "SELECT 1 FROM pg_tables WHERE tablename = 'half_done'")).toEqual([]);

    await expect(applyMigrations({ databaseUrl, migrationsDir })).rejects.toThrow(
      /99990101000000_broken failed on this database earlier/,
    );
  });

  it("send each migration to Postgres whole, semicolons in comments and function bodies included", async () => {
    const databaseUrl = await scratchDatabase();
    const migrationsDir = await migrationsCopy();
    await addMigration(
      migrationsDir,
      "99990101000000_function",
      "-- A comment; with a semicolon.\n" +
        "CREATE FUNCTION hub_answer() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 42; END; $$;\n",
    );

    const { applied } = await applyMigrations({ databaseUrl, migrationsDir });
    expect(applied.at(-1)).toBe("99990101000000_function");
    expect(await query(databaseUrl, "SELECT hub_answer() AS answer")).toEqual([{ answer: 42 }]);
  });

  it("show a schema change that has no migration yet", async () => {
    const databaseUrl = await scratchDatabase();
    await applyMigrations({ databaseUrl });
    const schema = await readSchema();
    const changed = schema.replace(/(model Setting \{\n\s+key\s+String\s+@id\n)/, "$1  note String?\n");
    expect(changed).not.toBe(schema);

    expect(await diffDatabaseToSchema({ databaseUrl, schema: changed })).toMatch(
      /ALTER TABLE "settings" ADD COLUMN\s+"note" TEXT/,
    );
    expect(await diffMigrationsToSchema({ serverUrl: adminUrl(), schema: changed })).toMatch(
      /ALTER TABLE "settings" ADD COLUMN\s+"note" TEXT/,
    );
  });
});
