/**
 * Results kept `ttlMs` per key, one computation in flight per key; failures are
 * not kept. For the admin pages' expensive numbers (bucket listings, counts).
 */
export function createMemo<T>(ttlMs: number, now: () => number = Date.now) {
  type Entry = { value: T; at: number };
  const done = new Map<string, Entry>();
  const pending = new Map<string, Promise<Entry>>();
  return {
    get(key: string, compute: () => Promise<T>): Promise<Entry> {
      const hit = done.get(key);
      if (hit && now() - hit.at < ttlMs) return Promise.resolve(hit);
      let p = pending.get(key);
      if (!p) {
        p = compute()
          .then((value) => {
            const entry = { value, at: now() };
            done.set(key, entry);
            return entry;
          })
          .finally(() => pending.delete(key));
        pending.set(key, p);
      }
      return p;
    },
    forget: (key: string) => void done.delete(key),
  };
}

/** Runs `fn` over `items`, at most `limit` at a time, results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
