import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const POSTGRES_MAJOR = 15;

export class ToolError extends Error {
  override name = "ToolError";
}

/**
 * pg_dump or pg_restore of the stack's Postgres major version: Debian keeps each
 * version's client tools in /usr/lib/postgresql/<major>/bin (package
 * postgresql-client-15), and a newer pg_dump writes dumps an older pg_restore cannot read.
 */
export function postgresTool(name: "pg_dump" | "pg_restore"): string {
  const dirs = [process.env.POSTGRES_BIN_DIR, `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`].filter((d): d is string => !!d);
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new ToolError(`${name} not found in ${dirs.join(" or ")}: install Debian's postgresql-client-${POSTGRES_MAJOR}, or set POSTGRES_BIN_DIR`);
}

/**
 * libpq connection settings for a postgresql:// URL, the password in PGPASSWORD
 * rather than on the command line, where `ps` would show it to every user.
 */
export function libpqEnv(url: string): Record<string, string> {
  const u = new URL(url);
  return {
    PGHOST: u.hostname,
    PGPORT: u.port || "5432",
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
    ...(u.searchParams.get("sslmode") ? { PGSSLMODE: u.searchParams.get("sslmode")! } : {}),
  };
}

/** Runs a Postgres client tool against a database; rejects with the end of its stderr. */
export function runPostgresTool(name: "pg_dump" | "pg_restore", args: string[], databaseUrl: string): Promise<void> {
  const command = postgresTool(name);
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, ...libpqEnv(databaseUrl) };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    child.on("error", (e) => reject(new ToolError(`${name}: ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new ToolError(`${name} exited with ${code}: ${stderr.trim()}`))));
  });
}
