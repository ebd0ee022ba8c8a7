import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";

/** What the suites that talk to one or several hub processes directly share: sessions, tokens, a read through the gateway. */

export async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A signed-in browser session for bob, stored the way Auth.js stores one; `label` names its GitLab account row. */
export async function newSession(databaseUrl: string, label = "session"): Promise<string> {
  const userId = randomUUID();
  const token = randomBytes(24).toString("hex");
  await query(databaseUrl, "insert into users (id, name, email) values ($1, 'Bob', $2)", [userId, `bob+${userId}@example.com`]);
  await query(databaseUrl, "insert into accounts (id, user_id, type, provider, provider_account_id, access_token) values ($1, $2, 'oauth', 'gitlab', $3, 'glpat-bob-demo')", [
    randomUUID(),
    userId,
    `${label}-${userId}`,
  ]);
  await query(databaseUrl, "insert into sessions (id, session_token, user_id, expires) values ($1, $2, $3, now() + interval '1 hour')", [randomUUID(), token, userId]);
  return token;
}

export const cookie = (sessionToken: string) => ({ cookie: `authjs.session-token=${sessionToken}` });
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** An MLflow read through a hub's gateway, as the stock UI sends it (from the hub's origin); the status only. */
export async function search(hub: string, hubOrigin: string, headers: Record<string, string>, project = "ml-team/flood-detection"): Promise<number> {
  const res = await fetch(`${hub}/mlflow/${project}/tracking/api/2.0/mlflow/experiments/search`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: hubOrigin, ...headers },
    body: JSON.stringify({ max_results: 1 }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Polls until `status` comes back; the time it took, or throws after `withinMs`. */
export async function refusedWithin(read: () => Promise<number>, status: number, withinMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const got = await read();
    const elapsed = performance.now() - t0;
    if (got === status) return elapsed;
    if (elapsed > withinMs) throw new Error(`still ${got} after ${Math.round(elapsed)} ms, wanted ${status}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
