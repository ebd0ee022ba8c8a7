import pg from "pg";
import { parseTokenKeyConfig } from "../../lib/config.ts";
import { openAccountToken, TOKEN_COLUMNS, type TokenColumn } from "../../lib/crypto/account-tokens.ts";
import { keyringFromConfig } from "../../lib/crypto/keyring.ts";

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

type StoredAccount = { provider: string; provider_account_id: string } & Partial<Record<TokenColumn, string | null>>;

/**
 * An account row with its GitLab tokens in plaintext: the hub stores them sealed
 * (lib/crypto/token-cipher.ts), and the test stack's environment holds its keys.
 */
export function openedTokens<T extends StoredAccount>(row: T): T {
  const keys = keyringFromConfig(parseTokenKeyConfig(process.env));
  const opened: StoredAccount = { ...row };
  for (const column of TOKEN_COLUMNS) {
    const stored = row[column];
    if (typeof stored === "string") opened[column] = openAccountToken(keys, { provider: row.provider, providerAccountId: row.provider_account_id }, column, stored).value;
  }
  return opened as T;
}
