import { defineConfig } from "prisma/config";
import { loadDotEnvIfPresent } from "./lib/db/dotenv";

// Prisma 7 no longer reads .env by itself.
loadDotEnvIfPresent();

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  // `prisma generate` needs no database, so an unset URL is not an error here;
  // `prisma migrate deploy` reports it when it needs one.
  datasource: {
    url: process.env.DATABASE_URL,
    shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL,
  },
});
