// Writes prisma/migrations/<timestamp>_<name>/ with what prisma/schema.prisma
// has that the existing migrations do not build. Usage: npm run db:new-migration -- <name>
import { loadDotEnvIfPresent } from "../lib/db/dotenv";
import { createMigration } from "../lib/db/newMigration";

loadDotEnvIfPresent();
const name = process.argv[2];
if (!name || process.argv.length > 3) {
  console.error("usage: npm run db:new-migration -- <name>   (e.g. add_audit_ip)");
  process.exit(2);
}
const shadowDatabaseUrl = process.env.SHADOW_DATABASE_URL || undefined;
const serverUrl = process.env.DATABASE_URL || undefined;
if (!shadowDatabaseUrl && !serverUrl) {
  console.error(
    "db:new-migration: set SHADOW_DATABASE_URL (an empty database it may wipe) or DATABASE_URL " +
      "(a server where it may create a temporary database)",
  );
  process.exit(2);
}

try {
  const created = await createMigration(
    shadowDatabaseUrl ? { name, shadowDatabaseUrl, log: console.log } : { name, serverUrl: serverUrl!, log: console.log },
  );
  if (created) console.log(`created ${created.folder}/migration.sql — review it, then commit it with the schema change`);
  else console.log("no changes: the migrations already build prisma/schema.prisma");
} catch (error) {
  console.error(`db:new-migration: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
