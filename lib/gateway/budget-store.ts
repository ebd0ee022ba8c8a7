import { randomUUID } from "node:crypto";
import type { BudgetName, BudgetStore, BudgetTotal } from "./budgets";
import { budgetRows, budgetSyncs } from "./metrics";

/** Runs one SQL statement with positional parameters ($1…) and answers its rows (Prisma's `$queryRawUnsafe`). */
export type RawQuery = <T>(sql: string, ...values: unknown[]) => Promise<T[]>;

/** Rows of others' counts one sync reads at most, the largest first. */
export const MAX_TOTALS_READ = 1_000;
/** A replica that has not synced for this long no longer counts among those sharing the budgets. */
const LIVE_SECONDS = 5;
/** Rows a transaction wrote just before the last read may commit after it: read that far back again. */
const REREAD_MS = 2_000;

// One statement: forget old minutes, note this replica as alive, add its deltas (in key order,
// so two replicas' upserts never wait on each other in a cycle), answer the new totals, the
// rows the other replicas changed since the last read, and how many replicas synced lately.
// The table is UNLOGGED (prisma/migrations/20261202133526_gateway_budgets): counts that a crash of
// Postgres loses cost at most one minute of budgets, and writing them costs no WAL.
const SYNC = `
WITH old AS (
  DELETE FROM gateway_budget_counts WHERE minute < $2
), gone AS (
  DELETE FROM gateway_budget_replicas WHERE seen_at < now() - interval '1 hour'
), beat AS (
  INSERT INTO gateway_budget_replicas (id, seen_at) VALUES ($3::uuid, now())
  ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
), up AS (
  INSERT INTO gateway_budget_counts AS c (minute, budget, client, count, updated_at)
  SELECT d.minute, d.budget, d.client, d.delta, now()
  FROM jsonb_to_recordset($1::jsonb) AS d(minute integer, budget text, client text, delta integer)
  ORDER BY d.minute, d.budget, d.client
  ON CONFLICT (minute, budget, client) DO UPDATE SET count = c.count + excluded.count, updated_at = excluded.updated_at
  RETURNING c.minute, c.budget, c.client, c.count
)
SELECT minute, budget, client, count, NULL::timestamptz AS read_at FROM up
UNION ALL
(SELECT c.minute, c.budget, c.client, c.count, NULL FROM gateway_budget_counts c
  WHERE c.minute >= $2 AND c.updated_at > $4::timestamptz
    AND NOT EXISTS (SELECT 1 FROM up WHERE up.minute = c.minute AND up.budget = c.budget AND up.client = c.client)
  ORDER BY c.count DESC LIMIT ${MAX_TOTALS_READ})
UNION ALL
SELECT NULL, NULL, NULL,
  (SELECT count(*) FROM gateway_budget_replicas WHERE id <> $3::uuid AND seen_at > now() - interval '${LIVE_SECONDS} seconds')::integer + 1,
  now()`;

interface Row {
  minute: number | null;
  budget: string | null;
  client: string | null;
  count: number;
  read_at: Date | null;
}

/**
 * The budgets' store in the hub's Postgres: one statement per sync, through the hub's own pool.
 * Each replica is one row of `gateway_budget_replicas` under an id of this process.
 */
export function createBudgetStore(query: RawQuery, replicaId: string = randomUUID()): BudgetStore {
  let readAt: Date | undefined;
  return async (deltas, oldestMinute) => {
    const since = readAt ? new Date(readAt.getTime() - REREAD_MS) : new Date(Date.now() - 2 * 60_000);
    let rows: Row[];
    try {
      rows = await query<Row>(SYNC, JSON.stringify(deltas), oldestMinute, replicaId, since.toISOString());
    } catch (e) {
      budgetSyncs.inc({ outcome: "failed" });
      throw e;
    }
    budgetSyncs.inc({ outcome: "ok" });
    budgetRows.inc({ direction: "sent" }, deltas.length);
    budgetRows.inc({ direction: "read" }, rows.length - 1);
    const totals: BudgetTotal[] = [];
    let replicas = 1;
    for (const r of rows) {
      if (r.budget === null) {
        replicas = Number(r.count);
        if (r.read_at) readAt = new Date(r.read_at);
      } else totals.push({ budget: r.budget as BudgetName, client: r.client!, minute: Number(r.minute), count: Number(r.count) });
    }
    return { totals, replicas };
  };
}
