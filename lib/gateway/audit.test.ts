import { describe, expect, it } from "vitest";
import { createAuditSink, type AuditRecord } from "./audit";

const row = (route: string): AuditRecord => ({ time: new Date(), route, method: "POST", action: "write", outcome: "allowed", status: 200 });

describe("the audit sink", () => {
  it("a second flush waits for the batch the first one is still writing (a stopping replica exits only after its rows are in)", async () => {
    const written: string[] = [];
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const sink = createAuditSink(async (rows) => {
      await slow;
      written.push(...rows.map((r) => r.route));
    }, () => {});
    sink.record(row("a"));
    const first = sink.flush();
    let secondDone = false;
    const second = sink.flush().then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(secondDone, "the second flush did not resolve while the batch was being written").toBe(false);
    release();
    await Promise.all([first, second]);
    expect(written).toEqual(["a"]);
  });

  it("writes what was recorded since the last batch in one call, and reports a failed write with the rows it dropped", async () => {
    const calls: number[] = [];
    const dropped: number[] = [];
    const sink = createAuditSink(
      async (rows) => {
        calls.push(rows.length);
        if (calls.length === 2) throw new Error("database away");
      },
      (_e, n) => dropped.push(n),
      60_000,
    );
    for (const r of ["a", "b", "c"]) sink.record(row(r));
    await sink.flush();
    sink.record(row("d"));
    await sink.flush();
    expect(calls).toEqual([3, 1]);
    expect(dropped).toEqual([1]);
  });
});
