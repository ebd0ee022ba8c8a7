import { describe, expect, it } from "vitest";
import { olderThanMs } from "./gc";

describe("olderThanMs", () => {
  it("reads an --older-than the way mlflow gc does: days, hours, minutes, seconds, fractions too", () => {
    expect(olderThanMs("30d")).toBe(30 * 86_400_000);
    expect(olderThanMs("1d2h3m4s")).toBe(((26 * 60 + 3) * 60 + 4) * 1000);
    expect(olderThanMs("1.5h")).toBe(90 * 60_000);
    expect(olderThanMs("0s")).toBe(0);
  });

  it("refuses what mlflow gc would refuse", () => {
    for (const bad of ["", "30", "30 days", "2h1d", "d"]) expect(() => olderThanMs(bad), bad).toThrow(RangeError);
  });
});
