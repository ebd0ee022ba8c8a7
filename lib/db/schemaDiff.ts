import { readFile } from "node:fs/promises";
import type { DiffTarget, SchemaEngine } from "@prisma/schema-engine-wasm";
import { engineConnections, type EngineConnections } from "./connections";
import { defaultMigrationsDir, defaultSchemaPath, readMigrationsFolder } from "./migrationsFolder";
import { engineWarnings, noFilter, withSchemaEngine } from "./schemaEngine";

export type SchemaSource = {
  /** Prisma schema text; defaults to the repository's prisma/schema.prisma. */
  schema?: string;
  log?: (line: string) => void;
};

/** Where the shadow database for replaying migrations comes from. */
export type ShadowDatabase =
  /** An existing database given over to this: it is wiped before and after use. */
  | { shadowDatabaseUrl: string }
  /** A server on which a temporary database is created and dropped (needs CREATEDB). */
  | { serverUrl: string };

const schemaFileName = "schema.prisma";

export function readSchema(schema?: string): Promise<string> {
  return schema === undefined ? readFile(defaultSchemaPath, "utf8") : Promise.resolve(schema);
}

/**
 * The SQL that would bring the live database to `schema`, or null when the two
 * already agree. After migrating, null proves the migrations build the schema.
 */
export async function diffDatabaseToSchema({
  databaseUrl,
  schema,
  log = () => {},
}: SchemaSource & { databaseUrl: string }): Promise<string | null> {
  const files = [{ path: schemaFileName, content: await readSchema(schema) }];
  return withSchemaEngine(
    engineConnections({ databaseUrl }),
    (engine) => diff(engine, { tag: "schemaDatasource", files, configDir: process.cwd() }, { tag: "schemaDatamodel", files }),
    engineWarnings(log),
  );
}

/**
 * The SQL a new migration needs so that the migrations folder builds `schema`,
 * or null when the folder already does. The engine replays the folder on a
 * shadow database to learn what it builds.
 */
export async function diffMigrationsToSchema(
  options: SchemaSource & ShadowDatabase & { migrationsDir?: string },
): Promise<string | null> {
  const { migrationsDir = defaultMigrationsDir, schema, log = () => {} } = options;
  const files = [{ path: schemaFileName, content: await readSchema(schema) }];
  const migrationsList = await readMigrationsFolder(migrationsDir);
  if (migrationsList.migrationDirectories.length === 0 && migrationsList.lockfile.content === null) {
    // A first migration: the engine learns the database kind from the lockfile,
    // which is written together with that migration.
    migrationsList.lockfile.content = 'provider = "postgresql"\n';
  }
  const engineLog = engineWarnings(log);
  const run = (connections: EngineConnections) =>
    withSchemaEngine(
      connections,
      (engine) => diff(engine, { tag: "migrations", ...migrationsList }, { tag: "schemaDatamodel", files }),
      engineLog,
    );

  if ("serverUrl" in options) return run(engineConnections({ databaseUrl: options.serverUrl }));
  const { shadowDatabaseUrl } = options;
  await resetDatabase(shadowDatabaseUrl, engineLog);
  try {
    // The engine's main connection is only read here, so it may as well be the
    // shadow database: no other database is touched.
    return await run(engineConnections({ databaseUrl: shadowDatabaseUrl, shadowDatabaseUrl }));
  } finally {
    await resetDatabase(shadowDatabaseUrl, engineLog);
  }
}

// Prisma's native engine empties a configured shadow database before using it;
// the WebAssembly engine leaves that to its host, and leftovers would end up in
// the generated migration as DROP statements.
function resetDatabase(databaseUrl: string, log: (line: string) => void): Promise<void> {
  return withSchemaEngine(engineConnections({ databaseUrl }), (engine) => engine.reset({ filter: noFilter }), log);
}

async function diff(engine: SchemaEngine, from: DiffTarget, to: DiffTarget): Promise<string | null> {
  // exitCode 2 is the engine's "the two differ" (as `prisma migrate diff --exit-code`).
  const result = await engine.diff({ from, to, script: true, exitCode: true, filters: noFilter });
  return result.exitCode === 2 ? (result.stdout ?? "") : null;
}
