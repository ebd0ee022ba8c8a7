import { describe, expect, it } from "vitest";
import { Budget, createBudgetBook, MAX_DELTAS_PER_SYNC, MINUTE_MS, type BudgetDelta, type BudgetStore } from "./budgets";

/** The shared table as budget-store.ts's statement keeps it, in memory: counts per (minute, budget, client). */
function fleetStore() {
  const counts = new Map<string, { minute: number; budget: BudgetDelta["budget"]; client: string; count: number; changed: number }>();
  const seen = new Map<string, number>();
  let clock = 0;
  let down = false;
  const calls: BudgetDelta[][] = [];
  const storeFor =
    (replica: string): BudgetStore =>
    async (deltas, oldestMinute) => {
      calls.push(deltas);
      if (down) throw new Error("connection refused");
      const since = seen.get(replica) ?? -1;
      const at = ++clock;
      for (const [k, row] of counts) if (row.minute < oldestMinute) counts.delete(k);
      const mine = new Set<string>();
      for (const d of deltas) {
        const k = `${d.minute}|${d.budget}|${d.client}`;
        const row = counts.get(k) ?? { minute: d.minute, budget: d.budget, client: d.client, count: 0, changed: at };
        row.count += d.delta;
        row.changed = at;
        counts.set(k, row);
        mine.add(k);
      }
      seen.set(replica, at);
      const totals = [...counts.entries()].filter(([k, r]) => mine.has(k) || r.changed > since).map(([, r]) => ({ ...r }));
      return { totals, replicas: seen.size };
    };
  return { storeFor, counts, calls, setDown: (d: boolean) => (down = d), total: (client: string) => [...counts.values()].filter((r) => r.client === client).reduce((n, r) => n + r.count, 0) };
}

function fleet(n: number, perMinute = 10, shared = true) {
  const store = fleetStore();
  let t = 30 * MINUTE_MS;
  const replicas = Array.from({ length: n }, (_, i) =>
    createBudgetBook({ now: () => t, perMinute: { lookups: perMinute, auth_failures: perMinute }, store: shared ? store.storeFor(`r${i}`) : undefined, autoSync: false }),
  );
  const syncAll = async () => {
    for (const r of replicas) await r.sync();
  };
  /** Two rounds: a replica's first sync can only count those that synced before it. */
  const meet = async () => {
    await syncAll();
    await syncAll();
  };
  /** Round robin, one spend per request while the replica allows it: how many went through before the first refusal. */
  const floodUntilRefused = (client: string, max = 100) => {
    for (let i = 0; i < max; i++) {
      const r = replicas[i % n];
      if (r.wait("auth_failures", client) > 0) return i;
      r.spend("auth_failures", client);
    }
    return max;
  };
  return { store, replicas, syncAll, meet, floodUntilRefused, advance: (ms: number) => (t += ms) };
}

describe("budgets shared by replicas", () => {
  it("per replica only, three replicas let one address spend three budgets (what sharing is for)", () => {
    expect(fleet(3, 10, false).floodUntilRefused("203.0.113.7")).toBe(30);
  });

  it("three syncing replicas give a round-robin flood about one budget in all, even when it comes faster than they sync", async () => {
    const f = fleet(3, 10);
    await f.meet();
    // Between two syncs each may spend its share of what is left, ceil(10 / (2 × 3 − 1)) = 2 at first.
    expect(f.floodUntilRefused("203.0.113.7")).toBe(6);
    let admitted = 6;
    for (let round = 0; round < 5; round++) {
      await f.syncAll();
      admitted += f.floodUntilRefused("203.0.113.7");
    }
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(10 + 3 - 1);
    await f.syncAll();
    await f.syncAll();
    expect(f.store.total("203.0.113.7")).toBe(admitted);
    for (const r of f.replicas) expect(r.wait("auth_failures", "203.0.113.7"), "every replica now knows the address is out").toBeGreaterThan(1);
    expect(f.replicas[0].wait("auth_failures", "198.51.100.1"), "another address is not held back").toBe(0);
  });

  it("a replica refuses an address it has never served once another replica's spending on it has synced", async () => {
    const f = fleet(2, 10);
    await f.meet();
    for (let i = 0; i < 10; i++) {
      expect(f.replicas[0].wait("lookups", "a")).toBe(0);
      f.replicas[0].spend("lookups", "a");
      await f.replicas[0].sync();
    }
    await f.replicas[1].sync();
    expect(f.replicas[1].wait("lookups", "a")).toBeCloseTo(6, 5);
  });

  it("holds a fast flood to about one budget at once and one bucket and refill per minute while the replicas sync at staggered times", async () => {
    for (const [n, budget] of [
      [3, 10],
      [5, 10],
      [3, 300],
      [2, 30],
      [3, 60],
    ]) {
      const f = fleet(n, budget);
      await f.meet();
      let admitted = 0;
      let inFirst5s = 0;
      // 300 requests a second round robin for a minute; replica i syncs at phase i/n of each second.
      for (let step = 0; step < 18_000; step++) {
        const r = f.replicas[step % n];
        if (r.wait("auth_failures", "x") === 0) {
          r.spend("auth_failures", "x");
          admitted++;
          if (step < 1_500) inFirst5s++;
        }
        f.advance(10 / 3);
        const ms = (step + 1) * (10 / 3);
        for (let i = 0; i < n; i++) if (Math.floor((ms - (1000 * i) / n) / 1000) !== Math.floor((ms - 10 / 3 - (1000 * i) / n) / 1000)) await f.replicas[i].sync();
      }
      console.log(`${n} replicas, ${budget}/min, 300 requests/s: ${inFirst5s} admitted in the first 5 s, ${admitted} in the minute`);
      // The bucket and 5 s of refill, and a token or two per replica that rounding the shares up lets through.
      expect(inFirst5s, `${n} replicas, ${budget}/min: admitted in the first 5 s`).toBeLessThanOrEqual(budget + (budget * 5) / 60 + 2 * n);
      expect(admitted, `${n} replicas, ${budget}/min: admitted in a minute`).toBeLessThanOrEqual(2 * budget + 2 * n);
    }
  });

  it("refills over the minute as before: the fleet gets the budget per minute, not per replica per minute", async () => {
    const f = fleet(3, 6);
    await f.meet();
    let spent = 0;
    for (let second = 0; second < 120; second++) {
      for (const r of f.replicas) {
        if (r.wait("lookups", "a") === 0) {
          r.spend("lookups", "a");
          spent++;
        }
      }
      f.advance(1_000);
      await f.syncAll();
    }
    // Two minutes at 6 per minute plus the full bucket at the start, and a sync interval's refill per replica.
    expect(spent).toBeGreaterThanOrEqual(17);
    expect(spent).toBeLessThanOrEqual(6 + 12 + 3);
  });

  it("sends each spending once: a sync sends what is new since the last one, and a failed sync's deltas go with the next", async () => {
    const f = fleet(1, 100);
    for (let i = 0; i < 3; i++) f.replicas[0].spend("lookups", "a");
    await f.replicas[0].sync();
    for (let i = 0; i < 2; i++) f.replicas[0].spend("lookups", "a");
    f.store.setDown(true);
    await f.replicas[0].sync();
    f.store.setDown(false);
    await f.replicas[0].sync();
    await f.replicas[0].sync();
    expect(f.store.total("a")).toBe(5);
    expect(f.store.calls.map((c) => c.reduce((n, d) => n + d.delta, 0))).toEqual([3, 2, 2, 0]);
  });

  it("with the store down, degrades to each replica's own budget: neither unlimited nor refusing everyone", async () => {
    const f = fleet(3, 10);
    await f.meet();
    f.store.setDown(true);
    f.advance(3_001); // three intervals without a sync: no longer counting on the others
    await f.syncAll();
    for (const r of f.replicas) expect(r.sharingWith()).toBe(1);
    expect(f.floodUntilRefused("203.0.113.7")).toBe(30);
    expect(f.replicas[0].wait("auth_failures", "198.51.100.1")).toBe(0);
  });

  it("sends at most MAX_DELTAS_PER_SYNC rows a sync and the rest with the next", async () => {
    const f = fleet(1, 10);
    for (let i = 0; i < MAX_DELTAS_PER_SYNC + 500; i++) f.replicas[0].spend("lookups", `c${i}`);
    await f.replicas[0].sync();
    await f.replicas[0].sync();
    await f.replicas[0].sync();
    expect(f.store.calls.map((c) => c.length)).toEqual([MAX_DELTAS_PER_SYNC, 500, 0]);
  });

  it("keeps and sends only the current and previous minute; the store forgets older ones", async () => {
    const f = fleet(1, 10);
    f.replicas[0].spend("lookups", "a");
    f.advance(2 * MINUTE_MS);
    f.replicas[0].spend("lookups", "a");
    await f.replicas[0].sync();
    expect(f.store.calls[0]).toEqual([{ budget: "lookups", client: "a", minute: 32, delta: 1 }]);
    f.advance(2 * MINUTE_MS);
    await f.replicas[0].sync();
    expect(f.store.counts.size).toBe(0);
  });

  it("keeps two minutes per address however long it stays busy", () => {
    const b = new Budget("lookups", "a", 1_000, 0);
    for (let m = 0; m < 30; m++) b.spend(m * MINUTE_MS);
    expect([...b.minutes.keys()]).toEqual([28, 29]);
  });

  it("counts what a replica spent before it restarted against the address (a restart does not reset budgets)", async () => {
    const store = fleetStore();
    const t = 30 * MINUTE_MS;
    const first = createBudgetBook({ now: () => t, perMinute: { lookups: 5, auth_failures: 5 }, store: store.storeFor("old"), autoSync: false });
    for (let i = 0; i < 5; i++) first.spend("auth_failures", "a");
    await first.sync();
    const restarted = createBudgetBook({ now: () => t, perMinute: { lookups: 5, auth_failures: 5 }, store: store.storeFor("new"), autoSync: false });
    await restarted.sync();
    expect(restarted.wait("auth_failures", "a")).toBeGreaterThan(0);
  });
});
