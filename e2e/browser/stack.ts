import pg from "pg";

/** The hub under test; scripts/test exports the test stack's environment. */
export function stackEnv(name: "AUTH_URL" | "GITLAB_URL" | "DATABASE_URL" | "METRICS_TOKEN"): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through scripts/test (it starts the stack and exports its environment)`);
  return value;
}

export const DEMO_PASSWORD = "mlflow-hub-demo";

/** Reads the hub's own database directly, to check what a browser flow did or did not create. */
export async function hubQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: stackEnv("DATABASE_URL") });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
