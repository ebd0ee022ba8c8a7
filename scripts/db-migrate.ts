// Applies pending migrations to DATABASE_URL with the WebAssembly schema engine
// (no native Prisma engine needed), then seals the GitLab tokens stored in plaintext
// or with an older key (lib/db/migrate-hub.ts). Exits non-zero when anything is refused or fails.
import { loadDotEnvIfPresent } from "../lib/db/dotenv";
import { migrateHubDatabase } from "../lib/db/migrate-hub";
import { describeDatabase } from "../lib/db/connections";

loadDotEnvIfPresent();
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error("db:migrate: DATABASE_URL is not set");
  process.exit(2);
}

const started = performance.now();
try {
  console.log(`db:migrate: ${describeDatabase(databaseUrl)}`);
  const { applied } = await migrateHubDatabase({ databaseUrl, env: process.env, log: (line) => console.log(`db:migrate: ${line}`) });
  console.log(`db:migrate: ${applied.length} applied in ${Math.round(performance.now() - started)} ms`);
} catch (error) {
  console.error(`db:migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
