import pg from "pg";
import { config } from "@/lib/config";

const holder = globalThis as unknown as { mlflowDb?: pg.Pool };

export class MlflowDatabaseNotConfigured extends Error {
  override name = "MlflowDatabaseNotConfigured";
  constructor() {
    super("MLFLOW_DATABASE_URL is not set: the hub cannot read MLflow's database (see .env.example)");
  }
}

/**
 * MLflow's own database, for statistics MLflow's API does not give across
 * workspaces. Every transaction is read-only: MLflow owns this schema, and the
 * hub only ever looks (the role may write, the session may not).
 */
export function mlflowDb(): pg.Pool {
  const url = config().MLFLOW_DATABASE_URL;
  if (!url) throw new MlflowDatabaseNotConfigured();
  holder.mlflowDb ??= new pg.Pool({ connectionString: url, max: 4, options: "-c default_transaction_read_only=on", connectionTimeoutMillis: 5_000 });
  return holder.mlflowDb;
}

/** Closes the pool (the CLI, so the process can exit). */
export async function closeMlflowDb(): Promise<void> {
  const pool = holder.mlflowDb;
  holder.mlflowDb = undefined;
  await pool?.end();
}

/** `gitlab-<id>` → the GitLab project id; null for any other workspace (MLflow's `default`). */
export function projectIdOf(workspace: string): number | null {
  const m = /^gitlab-(\d+)$/.exec(workspace);
  return m ? Number(m[1]) : null;
}
