import pg from "pg";
import { openAccountToken, sealAccountTokens, TOKEN_COLUMNS, type TokenColumn } from "./account-tokens";
import { isSealedWithCurrentKey, sealedKeyId, TokenUnreadableError, type TokenKeyring } from "./token-cipher";

export interface ResealCounts {
  /** Accounts that held a token not sealed with the current key. */
  accounts: number;
  /** Tokens stored in plaintext, now sealed. */
  sealed: number;
  /** Tokens sealed with an older key, now sealed with the current one. */
  resealed: number;
  /** Tokens no configured key opens, left as they are (their users sign in again), by the key id they name. */
  unreadable: Record<string, number>;
  batches: number;
}

type Row = { id: string; provider: string; provider_account_id: string } & Record<TokenColumn, string | null>;

/**
 * Seals every GitLab token of the `accounts` table with the keyring's current key:
 * plaintext from before encryption, and values sealed with an older key (the
 * rotation). Idempotent: a run with nothing to do reads no row. One transaction
 * per batch, its rows locked, so a sign-in or refresh of the running hub waits
 * for the batch instead of being overwritten by it.
 */
export async function resealAccountTokens(o: { databaseUrl: string; keyring: TokenKeyring; batchSize?: number; log?: (line: string) => void }): Promise<ResealCounts> {
  const { keyring } = o;
  const batchSize = o.batchSize ?? 500;
  const counts: ResealCounts = { accounts: 0, sealed: 0, resealed: 0, unreadable: {}, batches: 0 };
  const prefix = `enc:v1:${keyring.current.id}:`;
  const needsWork = TOKEN_COLUMNS.map((c) => `(${c} is not null and left(${c}, $3) <> $2)`).join(" or ");
  const client = new pg.Client({ connectionString: o.databaseUrl });
  await client.connect();
  try {
    let after = "";
    for (;;) {
      await client.query("begin");
      try {
        const { rows } = await client.query<Row>(
          `select id, provider, provider_account_id, ${TOKEN_COLUMNS.join(", ")} from accounts where id > $1 and (${needsWork}) order by id limit $4 for update`,
          [after, prefix, prefix.length, batchSize],
        );
        const updates = rows.flatMap((row) => {
          const update = resealRow(keyring, row, counts);
          return update ? [{ id: row.id, ...update }] : [];
        });
        // One statement per batch: the rows' new values as parallel arrays.
        if (updates.length > 0) {
          await client.query(
            `update accounts a set ${TOKEN_COLUMNS.map((c) => `${c} = v.${c}`).join(", ")} ` +
              `from unnest($1::text[], ${TOKEN_COLUMNS.map((_, i) => `$${i + 2}::text[]`).join(", ")}) as v(id, ${TOKEN_COLUMNS.join(", ")}) where a.id = v.id`,
            [updates.map((u) => u.id), ...TOKEN_COLUMNS.map((c) => updates.map((u) => u[c]))],
          );
        }
        await client.query("commit");
        if (rows.length === 0) break;
        counts.batches++;
        after = rows[rows.length - 1].id;
        o.log?.(`tokens: batch ${counts.batches}, ${rows.length} accounts`);
        if (rows.length < batchSize) break;
      } catch (e) {
        await client.query("rollback");
        throw e;
      }
    }
  } finally {
    await client.end();
  }
  return counts;
}

function resealRow(keyring: TokenKeyring, row: Row, counts: ResealCounts): Record<TokenColumn, string | null> | undefined {
  const who = { provider: row.provider, providerAccountId: row.provider_account_id };
  const plain: Partial<Record<TokenColumn, string>> = {};
  for (const column of TOKEN_COLUMNS) {
    const stored = row[column];
    if (stored === null || isSealedWithCurrentKey(keyring, stored)) continue;
    try {
      plain[column] = openAccountToken(keyring, who, column, stored).value;
      if (sealedKeyId(stored) === undefined) counts.sealed++;
      else counts.resealed++;
    } catch (e) {
      if (!(e instanceof TokenUnreadableError)) throw e;
      const id = e.keyId ?? "malformed";
      counts.unreadable[id] = (counts.unreadable[id] ?? 0) + 1;
    }
  }
  if (Object.keys(plain).length === 0) return undefined;
  counts.accounts++;
  const sealed = sealAccountTokens(keyring, who, plain);
  return Object.fromEntries(TOKEN_COLUMNS.map((c) => [c, sealed[c] ?? row[c]])) as Record<TokenColumn, string | null>;
}
