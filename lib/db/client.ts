import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { config } from "@/lib/config";

// Next's dev server re-evaluates modules on every edit: keep one pool per process, not one per reload.
const holder = globalThis as unknown as { hubDb?: PrismaClient };

/** The hub's database (Auth.js tables, audit events, settings). */
export function db(): PrismaClient {
  holder.hubDb ??= new PrismaClient({ adapter: new PrismaPg({ connectionString: config().DATABASE_URL }) });
  return holder.hubDb;
}
