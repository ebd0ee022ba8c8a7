import { describe, expect, it } from "vitest";
import { hashToken, isWellFormedProjectToken, mintProjectToken, PROJECT_TOKEN_PREFIX } from "./format";

describe("project token format", () => {
  it("mints tokens with the mlfhub_ prefix that secret scanners look for", () => {
    const { token } = mintProjectToken();
    expect(token.startsWith(PROJECT_TOKEN_PREFIX)).toBe(true);
    expect(token).toMatch(/^mlfhub_[0-9A-Za-z]{46}$/);
  });

  it("never mints the same token twice in many draws", () => {
    const seen = new Set(Array.from({ length: 2000 }, () => mintProjectToken().token));
    expect(seen.size).toBe(2000);
  });

  it("keeps only the SHA-256 of the token, which is not the token", () => {
    const { token, hash } = mintProjectToken();
    expect(hash).toBe(hashToken(token));
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(token.slice(PROJECT_TOKEN_PREFIX.length, PROJECT_TOKEN_PREFIX.length + 8));
  });

  it("recognises a minted token by its checksum and refuses a token with one character changed", () => {
    const { token } = mintProjectToken();
    expect(isWellFormedProjectToken(token)).toBe(true);
    const i = PROJECT_TOKEN_PREFIX.length + 5;
    const typo = token.slice(0, i) + (token[i] === "a" ? "b" : "a") + token.slice(i + 1);
    expect(isWellFormedProjectToken(typo)).toBe(false);
  });

  it("refuses values that only share the prefix", () => {
    for (const value of ["mlfhub_", "mlfhub_short", `mlfhub_${"a".repeat(46)}`, `glpat-${"a".repeat(46)}`, `mlfhub_${"a".repeat(45)}!`]) {
      expect(isWellFormedProjectToken(value), value).toBe(false);
    }
  });
});
