import { engineConnections } from "./connections";
import { defaultMigrationsDir, readMigrationsFolder } from "./migrationsFolder";
import { engineError, engineWarnings, noFilter, parseEngineLine, withSchemaEngine, type EngineLog } from "./schemaEngine";

export type MigrateLog = (line: string) => void;

export type ApplyMigrationsOptions = {
  databaseUrl: string;
  /** Defaults to the repository's prisma/migrations. */
  migrationsDir?: string;
  log?: MigrateLog;
};

/** The database's migration history does not allow applying anything until a person looks at it. */
export class MigrationRefusedError extends Error {
  override name = "MigrationRefusedError";
  constructor(
    message: string,
    readonly migrations: string[],
  ) {
    super(message);
  }
}

/**
 * Applies the migrations not yet applied to the database, in folder order, with
 * Prisma's own schema engine (WebAssembly build), so `_prisma_migrations` ends up
 * exactly as `prisma migrate deploy` would leave it.
 *
 * Stricter than `migrate deploy` in one way: a migration whose file changed
 * after it was applied is refused, because the database no longer matches what
 * the folder says it ran.
 */
export async function applyMigrations({
  databaseUrl,
  migrationsDir = defaultMigrationsDir,
  log = () => {},
}: ApplyMigrationsOptions): Promise<{ applied: string[] }> {
  const migrationsList = await readMigrationsFolder(migrationsDir);
  const count = migrationsList.migrationDirectories.length;
  log(`${count} migration${count === 1 ? "" : "s"} in ${migrationsList.baseDir}`);

  return withSchemaEngine(
    engineConnections({ databaseUrl }),
    async (engine) => {
      const diagnose = () =>
        engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters: noFilter });
      const history = await diagnose();
      if (history.failedMigrationNames.length > 0) {
        throw new MigrationRefusedError(
          `Refusing to migrate: ${list(history.failedMigrationNames)} failed on this database earlier. ` +
            'Once the cause is fixed, mark it rolled back and run again (prisma/README.md, "When a migration fails").',
          history.failedMigrationNames,
        );
      }
      if (history.editedMigrationNames.length > 0) {
        throw new MigrationRefusedError(
          `Refusing to migrate: ${list(history.editedMigrationNames)} changed after being applied to this database ` +
            "(checksum mismatch). Restore the original migration.sql and put the change in a new migration.",
          history.editedMigrationNames,
        );
      }
      const unknown =
        history.history?.diagnostic === "migrationsDirectoryIsBehind" || history.history?.diagnostic === "historiesDiverge"
          ? history.history.unpersistedMigrationNames
          : [];
      if (unknown.length > 0) log(`warning: the database has migrations this folder lacks: ${unknown.join(", ")}`);

      const { appliedMigrationNames } = await engine
        .applyMigrations({ migrationsList, filters: noFilter })
        .catch(async (cause: unknown) => {
          const error = engineError(cause);
          // The engine's error does not name the migration; its bookkeeping does.
          const { failedMigrationNames } = await diagnose();
          if (failedMigrationNames.length === 0) throw error;
          throw new Error(`${list(failedMigrationNames)} failed: ${error.message}`, { cause: error });
        });
      if (appliedMigrationNames.length === 0) log("no pending migrations");
      return { applied: appliedMigrationNames };
    },
    progress(log),
  );
}

// Reports each migration as the engine starts it, so a failure comes after the
// names of those that did apply.
function progress(log: MigrateLog): EngineLog {
  const warnings = engineWarnings(log);
  return (line) => {
    const applying = /^Applying `(.+)`$/.exec(parseEngineLine(line).message);
    if (applying) log(`applying ${applying[1]}`);
    else warnings(line);
  };
}

function list(names: string[]): string {
  return names.length === 1 ? `migration ${names[0]}` : `migrations ${names.join(", ")}`;
}
