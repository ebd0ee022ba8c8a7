import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "./sha256";

describe("sha256Hex", () => {
  it.each(["", "abc", "iris (101)", "Überschwemmung ☔ 洪水", "x".repeat(55), "y".repeat(56), "z".repeat(64), "w".repeat(1000)])("matches node:crypto for %j", (text) => {
    expect(sha256Hex(text)).toBe(createHash("sha256").update(text, "utf8").digest("hex"));
  });
});
