import { randomUUID } from "node:crypto";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";

/** The database connections the schema engine is given, and the means to close them all. */
export type EngineConnections = SqlMigrationAwareDriverAdapterFactory & {
  /** Ends every pool still open and drops the temporary shadow database, if one was made. */
  close(): Promise<void>;
};

export type EngineConnectionOptions = {
  databaseUrl: string;
  /**
   * The database the engine replays migrations on (needed only to diff them);
   * the caller makes sure it starts empty. Without one, a temporary database is
   * created on the `databaseUrl` server and dropped afterwards, which needs CREATEDB.
   */
  shadowDatabaseUrl?: string;
};

export function engineConnections({ databaseUrl, shadowDatabaseUrl }: EngineConnectionOptions): EngineConnections {
  const open = new Set<SqlDriverAdapter>();

  const track = (adapter: SqlDriverAdapter, afterDispose?: () => Promise<void>): SqlDriverAdapter => {
    let disposed: Promise<void> | undefined;
    const tracked = wholeScripts(adapter, () => {
      disposed ??= (async () => {
        open.delete(tracked);
        try {
          await adapter.dispose();
        } finally {
          await afterDispose?.();
        }
      })();
      return disposed;
    });
    open.add(tracked);
    return tracked;
  };

  return {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    async connect() {
      return track(await connectAdapter(databaseUrl));
    },
    async connectToShadowDb() {
      if (shadowDatabaseUrl) return track(await connectAdapter(shadowDatabaseUrl));
      const temporary = await createTemporaryDatabase(databaseUrl);
      return track(await connectAdapter(temporary.url), temporary.drop);
    },
    async close() {
      const results = await Promise.allSettled([...open].map((adapter) => adapter.dispose()));
      const failure = results.find((result) => result.status === "rejected");
      if (failure) throw failure.reason;
    },
  };
}

function connectAdapter(connectionString: string): Promise<SqlDriverAdapter> {
  return new PrismaPg(enginePool(connectionString), { disposeExternalPool: true }).connect();
}

const charOid = 18;
const textOid = 25;

// The engine reads Postgres' catalogs to learn a database's schema, and several
// catalog columns have the internal one-byte type "char". PrismaPg 7.10 has no
// mapping for it and fails the whole query, so schema diffs could not run.
// The values already arrive as strings; presenting the column as text lets them through.
//
// One connection, as Prisma's native engine uses: the engine serialises
// migrations with a session-level advisory lock, which guards only while the
// session that took it stays open and does the work.
function enginePool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: 1 });
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const result = query(...args);
    return result instanceof Promise ? result.then(presentCharAsText) : result;
  }) as typeof pool.query;
  return pool;
}

function presentCharAsText<T>(result: T): T {
  for (const { fields } of (Array.isArray(result) ? result : [result]) as pg.QueryResult[]) {
    for (const field of fields ?? []) if (field.dataTypeID === charOid) field.dataTypeID = textOid;
  }
  return result;
}

// PrismaPg's executeScript splits the script on every ";" and sends the pieces
// one by one. That breaks on a semicolon inside a comment, string or function
// body, and a failure leaves the earlier statements committed. Prisma's native
// engine sends the whole migration as one simple-protocol query, which Postgres
// runs as a single implicit transaction; a query without parameters does the same.
function wholeScripts(adapter: SqlDriverAdapter, dispose: () => Promise<void>): SqlDriverAdapter {
  return {
    provider: adapter.provider,
    adapterName: adapter.adapterName,
    queryRaw: (query) => adapter.queryRaw(query),
    executeRaw: (query) => adapter.executeRaw(query),
    startTransaction: (isolationLevel) => adapter.startTransaction(isolationLevel),
    getConnectionInfo: adapter.getConnectionInfo && (() => adapter.getConnectionInfo!()),
    async executeScript(script) {
      await adapter.executeRaw({ sql: script, args: [], argTypes: [] });
    },
    dispose,
  };
}

async function createTemporaryDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `hub_shadow_${randomUUID().replaceAll("-", "")}`;
  const onServer = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await onServer(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Names a database for logs without its credentials: `hub on 127.0.0.1:5433`. */
export function describeDatabase(databaseUrl: string): string {
  const unusable = "(not a postgresql:// URL)";
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return unusable;
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") return unusable;
  return `${decodeURIComponent(url.pathname.slice(1)) || "(default database)"} on ${url.host || "(local socket)"}`;
}
