import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { accountTokenContext, openAccountToken, sealAccountTokens } from "./account-tokens";
import { isTokenKeyText, keyFromAuthSecret, openToken, sealToken, tokenKeyId, tokenKeyring, TokenUnreadableError } from "./token-cipher";

const AUTH_SECRET = "s".repeat(40);
const newKey = () => randomBytes(32).toString("base64url");
const ring = (current?: string, old: string[] = []) => tokenKeyring({ authSecret: AUTH_SECRET, current, old });
const CONTEXT = "accounts:gitlab:42:access_token";
const TOKEN = "a3f0c2e9d1b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2";

function unreadable(run: () => unknown): TokenUnreadableError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(TokenUnreadableError);
    return e as TokenUnreadableError;
  }
  throw new Error("expected the value to be refused");
}

describe("GitLab tokens at rest", () => {
  it("seal and open back to the same token", () => {
    const keys = ring(newKey());
    const sealed = sealToken(keys, TOKEN, CONTEXT);
    expect(openToken(keys, sealed, CONTEXT)).toEqual({ value: TOKEN, keyId: keys.current.id });
  });

  it("are stored as enc:v1:<key id>:<base64url>, with nothing of the token or the key in clear", () => {
    const text = newKey();
    const keys = ring(text);
    const sealed = sealToken(keys, TOKEN, CONTEXT);
    expect(sealed).toMatch(/^enc:v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]+$/);
    expect(sealed.split(":")[2]).toBe(createHash("sha256").update(Buffer.from(text, "base64url")).digest("base64url").slice(0, 8));
    expect(sealed).not.toContain(TOKEN);
    expect(sealed).not.toContain(text);
    // 12-byte IV, the token's bytes, a 16-byte tag.
    expect(Buffer.from(sealed.split(":")[3], "base64url").length).toBe(12 + TOKEN.length + 16);
  });

  it("use a fresh IV for every value: one token sealed twice gives two values", () => {
    const keys = ring(newKey());
    const values = new Set(Array.from({ length: 50 }, () => sealToken(keys, TOKEN, CONTEXT)));
    expect(values.size).toBe(50);
    const ivs = new Set([...values].map((v) => Buffer.from(v.split(":")[3], "base64url").subarray(0, 12).toString("hex")));
    expect(ivs.size).toBe(50);
  });

  it("refuse a value whose ciphertext, IV or tag was altered", () => {
    const keys = ring(newKey());
    const sealed = sealToken(keys, TOKEN, CONTEXT);
    const [head, body] = [sealed.slice(0, sealed.lastIndexOf(":") + 1), Buffer.from(sealed.slice(sealed.lastIndexOf(":") + 1), "base64url")];
    for (const at of [0, 11, 12, 12 + 20, body.length - 1]) {
      const altered = Buffer.from(body);
      altered[at] ^= 0x01;
      expect(unreadable(() => openToken(keys, head + altered.toString("base64url"), CONTEXT)).message, `byte ${at}`).toMatch(/failed authentication/);
    }
    expect(unreadable(() => openToken(keys, head + body.subarray(0, 20).toString("base64url"), CONTEXT)).message).toMatch(/malformed/);
  });

  it("refuse a value moved to another account or another column", () => {
    const keys = ring(newKey());
    const alice = { provider: "gitlab", providerAccountId: "1" };
    const mallory = { provider: "gitlab", providerAccountId: "2" };
    const { access_token, refresh_token } = sealAccountTokens(keys, alice, { access_token: "alice-access", refresh_token: "alice-refresh" });
    expect(openAccountToken(keys, alice, "access_token", access_token).value).toBe("alice-access");
    unreadable(() => openAccountToken(keys, mallory, "access_token", access_token));
    unreadable(() => openAccountToken(keys, alice, "access_token", refresh_token));
    expect(accountTokenContext(alice, "id_token")).toBe("accounts:gitlab:1:id_token");
  });

  it("refuse a value sealed with a key that is not configured, naming its key id and never the token", () => {
    const before = ring(newKey());
    const sealed = sealToken(before, TOKEN, CONTEXT);
    const error = unreadable(() => openToken(ring(newKey()), sealed, CONTEXT));
    expect(error.keyId).toBe(before.current.id);
    expect(error.message).toContain(before.current.id);
    expect(error.message).not.toContain(TOKEN);
  });

  it("refuse a value whose key id names the current key but which another key sealed", () => {
    const keys = ring(newKey());
    const forged = sealToken(ring(newKey()), TOKEN, CONTEXT).replace(/^enc:v1:[^:]+:/, `enc:v1:${keys.current.id}:`);
    expect(unreadable(() => openToken(keys, forged, CONTEXT)).message).toMatch(/failed authentication/);
  });

  it("open values of an old key listed in TOKEN_ENCRYPTION_OLD_KEYS, and seal new ones with the current key only", () => {
    const oldKey = newKey();
    const sealedBefore = sealToken(ring(oldKey), TOKEN, CONTEXT);
    const rotated = ring(newKey(), [oldKey]);
    expect(openToken(rotated, sealedBefore, CONTEXT)).toEqual({ value: TOKEN, keyId: tokenKeyId(Buffer.from(oldKey, "base64url")) });
    expect(sealToken(rotated, TOKEN, CONTEXT).split(":")[2]).toBe(rotated.current.id);
    unreadable(() => openToken(ring(rotated.current.key.toString("base64")), sealedBefore, CONTEXT));
  });

  it("recognise a token stored before encryption as plaintext and return it as it is", () => {
    for (const legacy of [TOKEN, "glpat-bob-demo", "eyJhbGciOiJSUzI1NiJ9.e30.sig", "enc-looking-but-not:v1"]) {
      expect(openToken(ring(newKey()), legacy, CONTEXT)).toEqual({ value: legacy });
    }
  });

  it("without TOKEN_ENCRYPTION_KEY seal with a key derived from AUTH_SECRET, not AUTH_SECRET itself, and still open those values once a key is set", () => {
    const derived = ring();
    expect(derived.derived).toBe(true);
    expect(derived.current.key.equals(keyFromAuthSecret(AUTH_SECRET))).toBe(true);
    expect(derived.current.key.toString("utf8")).not.toContain(AUTH_SECRET.slice(0, 32));
    expect(tokenKeyring({ authSecret: "t".repeat(40) }).current.id).not.toBe(derived.current.id);
    const sealed = sealToken(derived, TOKEN, CONTEXT);
    const withKey = ring(newKey());
    expect(withKey.derived).toBe(false);
    expect(openToken(withKey, sealed, CONTEXT).value).toBe(TOKEN);
  });

  it("take 32-byte keys in base64, padded or not, or base64url, and nothing else", () => {
    const bytes = randomBytes(32);
    for (const text of [bytes.toString("base64"), bytes.toString("base64").replace(/=$/, ""), bytes.toString("base64url")]) {
      expect(isTokenKeyText(text), text).toBe(true);
      expect(ring(text).current.key.equals(bytes)).toBe(true);
    }
    for (const text of ["", "short", randomBytes(16).toString("base64"), randomBytes(48).toString("base64"), bytes.toString("hex"), `${bytes.toString("base64url").slice(0, 42)}!`, "+".repeat(20) + "_".repeat(23)]) {
      expect(isTokenKeyText(text), text).toBe(false);
    }
  });
});
