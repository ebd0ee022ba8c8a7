import { defaultMigrationsDir, readMigrationsFolder, writeMigration } from "./migrationsFolder";
import { diffMigrationsToSchema, type SchemaSource, type ShadowDatabase } from "./schemaDiff";

/** The folder name Prisma would give: UTC `YYYYMMDDHHMMSS_` then the name. */
export function migrationFolderName(name: string, now: Date): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!slug) throw new Error(`"${name}" is not a usable migration name: use letters, digits and underscores`);
  if (slug.length > 200) throw new Error("Migration names are limited to 200 characters");
  const timestamp = now.toISOString().replace(/\D/g, "").slice(0, 14);
  return `${timestamp}_${slug}`;
}

/**
 * Writes `<migrationsDir>/<timestamp>_<name>/migration.sql` with what the schema
 * has that the migrations folder does not build yet. Returns null, writing
 * nothing, when there is no difference.
 */
export async function createMigration({
  name,
  migrationsDir = defaultMigrationsDir,
  now = new Date(),
  ...options
}: SchemaSource & ShadowDatabase & { name: string; migrationsDir?: string; now?: Date }): Promise<{
  name: string;
  folder: string;
} | null> {
  const folderName = migrationFolderName(name, now);
  const { migrationDirectories } = await readMigrationsFolder(migrationsDir);
  const last = migrationDirectories.at(-1)?.path;
  // Migrations apply in folder-name order; one sorting before the last would run
  // out of order on fresh databases and never on existing ones.
  if (last && folderName.localeCompare(last) <= 0) {
    throw new Error(`${folderName} would sort before the existing migration ${last}; check the clock`);
  }
  const script = await diffMigrationsToSchema({ migrationsDir, ...options });
  if (script === null) return null;
  const folder = await writeMigration(migrationsDir, { name: folderName, script, connectorType: "postgresql" });
  return { name: folderName, folder };
}
