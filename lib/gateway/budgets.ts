import { LRUCache } from "lru-cache";

/** The per-address budgets the hub's replicas share (lib/gateway/limits.ts). */
export type BudgetName = "lookups" | "auth_failures";

/** What this replica spent of one budget in one minute since it last told the others. */
export interface BudgetDelta {
  budget: BudgetName;
  client: string;
  /** Minutes since the epoch. */
  minute: number;
  delta: number;
}

/** What the whole fleet (this replica included) has spent of one budget in one minute. */
export interface BudgetTotal {
  budget: BudgetName;
  client: string;
  minute: number;
  count: number;
}

export interface BudgetSync {
  totals: BudgetTotal[];
  /** Replicas that synced lately, this one included. */
  replicas: number;
}

/**
 * Adds this replica's deltas to the shared counts and answers the totals of those rows, plus the
 * rows other replicas changed lately; forgets minutes before `oldestMinute`. One round trip.
 */
export type BudgetStore = (deltas: BudgetDelta[], oldestMinute: number) => Promise<BudgetSync>;

export const MINUTE_MS = 60_000;
/** Rows one sync sends at most; the rest wait for the next one (and keep counting here meanwhile). */
export const MAX_DELTAS_PER_SYNC = 1_000;

/**
 * A bucket of `perMinute` tokens that refills continuously. Every replica keeps one per address
 * and budget; what the others spent reaches it as a debit at each sync, so each replica's bucket
 * follows what the whole fleet spent, a sync interval late at most.
 */
export class Budget {
  private tokens: number;
  private at: number;
  /** Tokens this replica took that no sync has reported back yet. */
  unsynced = 0;
  /** Per minute: taken here (`mine`), of which sent (`sent`), and the others' count as last read. */
  readonly minutes = new Map<number, { mine: number; sent: number; others: number }>();

  constructor(
    readonly name: BudgetName,
    readonly client: string,
    readonly perMinute: number,
    now: number,
  ) {
    this.tokens = perMinute;
    this.at = now;
  }

  private refill(now: number) {
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.at) * this.perMinute) / MINUTE_MS);
    this.at = now;
  }

  /**
   * Seconds until this replica may spend a token (0: now). With `replicas` > 1 and the sync
   * working, a replica spends at most its share of what is left between two syncs: the others
   * cannot see its spending before then, and N replicas each spending all of it would be N× the
   * budget. The share is a (2N − 1)th: what another replica spent reaches this one up to two
   * syncs late, so besides this replica's share up to two of each other's are unknown here.
   */
  wait(now: number, replicas: number, syncSeconds: number): number {
    this.refill(now);
    if (this.tokens < 1) return ((1 - this.tokens) * 60) / this.perMinute;
    if (replicas > 1 && this.unsynced >= Math.max(1, Math.ceil((this.tokens + this.unsynced) / (2 * replicas - 1)))) return syncSeconds;
    return 0;
  }

  /** Spends a token here (also past empty: a failure that happened is counted). */
  spend(now: number) {
    this.refill(now);
    this.debit(1);
    this.unsynced++;
    const m = this.minute(Math.floor(now / MINUTE_MS));
    m.mine++;
  }

  /**
   * Tokens spent elsewhere. The bucket goes below zero (to minus one minute's worth at most) so
   * that replicas refilling side by side do not each hand out the same refilled token.
   */
  debit(n: number) {
    this.tokens = Math.max(-this.perMinute, this.tokens - n);
  }

  minute(m: number) {
    let entry = this.minutes.get(m);
    if (!entry) {
      // Only this minute and the previous one are ever sent or read: a long-lived address keeps two.
      this.forgetBefore(m - 1);
      this.minutes.set(m, (entry = { mine: 0, sent: 0, others: 0 }));
    }
    return entry;
  }

  forgetBefore(oldestMinute: number) {
    for (const m of this.minutes.keys()) if (m < oldestMinute) this.minutes.delete(m);
  }
}

export interface BudgetBookOptions {
  now: () => number;
  perMinute: Record<BudgetName, number>;
  /** Shared through a store (several replicas), or per replica only when absent. */
  store?: BudgetStore;
  syncIntervalMs?: number;
  /** Sync on a timer every interval (default); off, only `sync()` does (tests). */
  autoSync?: boolean;
  onSyncError?: (error: unknown) => void;
}

/**
 * Every address's budgets on this replica, and their sync with the other replicas. No request
 * waits for the store: spending is decided from what this replica knows, and a timer sends what
 * it spent and reads what the others did, in one statement per interval whatever the traffic.
 * While the store fails, each replica keeps its own full budget: per-replica limits, as without sharing.
 */
export function createBudgetBook(o: BudgetBookOptions) {
  const syncMs = o.syncIntervalMs ?? 1_000;
  // Untouched for two minutes, a bucket (at minus one minute's worth at worst) is full again: forgetting it changes nothing.
  const budgets = new LRUCache<string, Budget>({ max: 100_000, ttl: 2 * MINUTE_MS });
  const unsent = new Set<Budget>();
  let replicas = 1;
  let syncedAt = -Infinity;
  let syncing: Promise<void> | undefined;

  const get = (name: BudgetName, client: string) => {
    const key = `${name}\u0000${client}`;
    let b = budgets.get(key);
    if (!b) budgets.set(key, (b = new Budget(name, client, o.perMinute[name], o.now())));
    return b;
  };
  /** The replicas to share with: only while syncs succeed, since a replica that cannot sync must not count on others. */
  const sharingWith = (now: number) => (o.store && now - syncedAt <= 3 * syncMs ? replicas : 1);

  async function syncOnce() {
    const now = o.now();
    const oldestMinute = Math.floor(now / MINUTE_MS) - 1;
    const deltas: BudgetDelta[] = [];
    const sent: { budget: Budget; m: number; n: number }[] = [];
    for (const b of unsent) {
      b.forgetBefore(oldestMinute);
      for (const [m, e] of b.minutes) {
        if (e.mine > e.sent && deltas.length < MAX_DELTAS_PER_SYNC) {
          deltas.push({ budget: b.name, client: b.client, minute: m, delta: e.mine - e.sent });
          sent.push({ budget: b, m, n: e.mine - e.sent });
        }
      }
    }
    const result = await o.store!(deltas, oldestMinute);
    for (const s of sent) {
      const e = s.budget.minute(s.m);
      e.sent += s.n;
      s.budget.unsynced = Math.max(0, s.budget.unsynced - s.n);
    }
    for (const b of unsent) if ([...b.minutes.values()].every((e) => e.sent >= e.mine)) unsent.delete(b);
    for (const t of result.totals) {
      if (t.minute < oldestMinute || !(t.budget in o.perMinute)) continue;
      const b = get(t.budget, t.client);
      const e = b.minute(t.minute);
      const others = t.count - e.sent;
      if (others > e.others) {
        b.debit(others - e.others);
        e.others = others;
      }
      b.forgetBefore(oldestMinute);
    }
    replicas = Math.max(1, result.replicas);
    syncedAt = o.now();
  }

  /** One sync with the store (none runs twice at once); errors go to `onSyncError`. */
  function sync(): Promise<void> {
    if (!o.store) return Promise.resolve();
    syncing ??= syncOnce()
      .catch((e) => o.onSyncError?.(e))
      .finally(() => (syncing = undefined));
    return syncing;
  }

  let timer: NodeJS.Timeout | undefined;
  if (o.store && o.autoSync !== false) {
    timer = setInterval(() => void sync(), syncMs);
    timer.unref();
  }

  return {
    /** Seconds until `client` may spend one of `name` here (0: now). */
    wait(name: BudgetName, client: string): number {
      const now = o.now();
      return get(name, client).wait(now, sharingWith(now), syncMs / 1000);
    },
    spend(name: BudgetName, client: string) {
      const b = get(name, client);
      b.spend(o.now());
      if (o.store) unsent.add(b);
    },
    sync,
    /** Replicas this one shares its budgets with now (1: per replica). */
    sharingWith: () => sharingWith(o.now()),
    close() {
      clearInterval(timer);
    },
  };
}
