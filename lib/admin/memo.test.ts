import { describe, expect, it, vi } from "vitest";
import { createMemo, mapLimit } from "./memo";

describe("createMemo", () => {
  it("computes once per key and TTL, sharing a computation in flight", async () => {
    let t = 0;
    const memo = createMemo<number>(60_000, () => t);
    const compute = vi.fn(async () => 42);
    const [a, b] = await Promise.all([memo.get("k", compute), memo.get("k", compute)]);
    expect(a.value).toBe(42);
    expect(b.value).toBe(42);
    expect(compute).toHaveBeenCalledTimes(1);
    t = 59_999;
    await memo.get("k", compute);
    expect(compute).toHaveBeenCalledTimes(1);
    t = 60_000;
    await memo.get("k", compute);
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it("computes afresh after forget", async () => {
    const memo = createMemo<number>(60_000);
    let n = 0;
    await memo.get("k", async () => ++n);
    memo.forget("k");
    expect((await memo.get("k", async () => ++n)).value).toBe(2);
  });

  it("does not keep a failure", async () => {
    const memo = createMemo<number>(60_000);
    await expect(memo.get("k", async () => Promise.reject(new Error("MLflow down")))).rejects.toThrow("MLflow down");
    expect((await memo.get("k", async () => 1)).value).toBe(1);
  });
});

describe("mapLimit", () => {
  it("keeps order and never runs more than the limit at once", async () => {
    let running = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });
});
