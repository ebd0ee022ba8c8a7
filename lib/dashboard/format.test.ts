import { describe, expect, it } from "vitest";
import { formatBytes, formatCount, formatDuration, formatExact, formatNumber, formatRelative } from "./format";

describe("dashboard number and time formatting", () => {
  it("groups counts by thousands", () => expect(formatCount(12345)).toBe("12,345"));

  it("shows metric values with six significant digits and exponents only at the extremes", () => {
    expect(formatNumber(0.123456789)).toBe("0.123457");
    expect(formatNumber(1234.5)).toBe("1,234.5");
    expect(formatNumber(0.00001234)).toBe("1.234e-5");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(Number.NaN)).toBe("NaN");
  });

  it("sizes bytes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(1024 ** 3)).toBe("1.0 GiB");
  });

  it("tells times relative to now, with the exact time available", () => {
    const now = Date.UTC(2026, 10, 22, 10, 0, 0);
    expect(formatRelative(now - 30_000, now)).toBe("30 seconds ago");
    expect(formatRelative(now - 3 * 3600_000, now)).toBe("3 hours ago");
    expect(formatRelative(now - 2 * 86400_000, now)).toBe("2 days ago");
    expect(formatExact(now)).toBe("2026-11-22 10:00:00 UTC");
  });

  it("reads durations at the scale they have", () => {
    expect(formatDuration(950)).toBe("950 ms");
    expect(formatDuration(12_300)).toBe("12.3 s");
    expect(formatDuration(245_000)).toBe("4 min 05 s");
    expect(formatDuration(7_380_000)).toBe("2 h 03 min");
  });
});
