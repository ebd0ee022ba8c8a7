import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { LaunchError, run, spawnService, waitUntilHealthy, type Service } from "./proc.ts";
import type { LocalSecrets } from "./secrets.ts";
import { POSTGRES_MAJOR } from "./versions.ts";

export const ADMIN_ROLE = "admin";

export interface PostgresUrls {
  admin: string;
  hub: string;
  mlflow: string;
}

export function postgresUrls(port: number, s: LocalSecrets): PostgresUrls {
  const url = (user: string, pw: string, db: string) => `postgresql://${user}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${db}`;
  return {
    admin: url(ADMIN_ROLE, s.postgresAdminPassword, "postgres"),
    hub: url("hub", s.postgresHubPassword, "hub"),
    mlflow: url("mlflow", s.postgresMlflowPassword, "mlflow"),
  };
}

function binDir(): string {
  const dir = process.env.POSTGRES_BIN_DIR ?? `/usr/lib/postgresql/${POSTGRES_MAJOR}/bin`;
  if (!fs.existsSync(path.join(dir, "postgres"))) {
    throw new LaunchError(`PostgreSQL ${POSTGRES_MAJOR} server binaries not found in ${dir}: install Debian's postgresql package (scripts/test does) or set POSTGRES_BIN_DIR`);
  }
  return dir;
}

/** Postgres refuses to run as root; when we are root, the cluster belongs to Debian's `postgres` user. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

function chownTree(dir: string, uid: number, gid: number) {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else fs.chownSync(p, uid, gid);
  }
}

export async function startPostgres(opts: { dir: string; logDir: string; port: number; secrets: LocalSecrets }): Promise<Service> {
  const bin = binDir();
  const user = runAs();
  const dataDir = path.join(opts.dir, "data");
  const socketDir = path.join(opts.dir, "run");
  fs.mkdirSync(socketDir, { recursive: true });
  if (user.uid !== undefined) chownTree(opts.dir, user.uid, user.gid!);

  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    const pwfile = path.join(opts.dir, "initdb-password");
    fs.writeFileSync(pwfile, opts.secrets.postgresAdminPassword, { mode: 0o600 });
    if (user.uid !== undefined) fs.chownSync(pwfile, user.uid, user.gid!);
    try {
      await run(
        path.join(bin, "initdb"),
        ["-D", dataDir, "-U", ADMIN_ROLE, `--pwfile=${pwfile}`, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale"],
        { ...user, quiet: true },
      );
    } finally {
      fs.rmSync(pwfile, { force: true });
    }
  }

  const service = spawnService({
    name: "postgres",
    command: path.join(bin, "postgres"),
    args: ["-D", dataDir, "-p", String(opts.port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${socketDir}`],
    env: { PATH: process.env.PATH, LANG: "C.UTF-8" },
    logDir: opts.logDir,
    stopSignal: "SIGINT",
    ...user,
  });
  const urls = postgresUrls(opts.port, opts.secrets);
  await waitUntilHealthy(service, () => query(urls.admin, "select 1").then(() => true), 60_000);
  await ensureDatabase(urls.admin, "hub", opts.secrets.postgresHubPassword);
  await ensureDatabase(urls.admin, "mlflow", opts.secrets.postgresMlflowPassword);
  return service;
}

async function query(url: string, sql: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** One database per consumer, each owned by its own role: MLflow cannot read the hub's sessions and back. */
async function ensureDatabase(adminUrl: string, name: string, password: string) {
  const role = await query(adminUrl, "select 1 from pg_roles where rolname = $1", [name]);
  const quotedPw = `'${password.replace(/'/g, "''")}'`;
  await query(adminUrl, `${role.rowCount ? "alter" : "create"} role "${name}" with login password ${quotedPw}`);
  const db = await query(adminUrl, "select 1 from pg_database where datname = $1", [name]);
  if (!db.rowCount) await query(adminUrl, `create database "${name}" owner "${name}"`);
}
