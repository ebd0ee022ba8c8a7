/**
 * GitLab tokens at rest: AES-256-GCM, a fresh 96-bit IV per value, stored as
 *
 *   enc:v1:<key id>:<base64url(iv ‖ ciphertext ‖ tag)>
 *
 * so a reader tells a sealed value from one written before encryption existed
 * (plaintext, still read until the migration seals it) and knows which key made it.
 * The key id is a hash of the key, never the key. Every value is bound to where it
 * is stored (`context`, authenticated as associated data): a value copied into
 * another row or column does not open there.
 *
 * No configuration is read here: the hub (lib/auth/token-keys.ts) and the
 * migration (lib/db/migrate-hub.ts) build the keyring from theirs.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "enc:v1:";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_CHARS = 8;
// When TOKEN_ENCRYPTION_KEY is unset: a key of its own from AUTH_SECRET, never AUTH_SECRET itself.
const AUTH_SECRET_INFO = "mlflow-hub GitLab token encryption v1";

/** 32 bytes in base64 (padded or not) or base64url: 43 characters, and a `=` for padded base64. */
const KEY_TEXT = /^[A-Za-z0-9+/_-]{43}=?$/;

export interface TokenKey {
  id: string;
  key: Buffer;
}

export interface TokenKeyring {
  /** Seals every new value. */
  current: TokenKey;
  /** Opens values: the current key, then the older ones still accepted. */
  readable: TokenKey[];
  /** The current key was derived from AUTH_SECRET because TOKEN_ENCRYPTION_KEY is unset. */
  derived: boolean;
}

/** A stored value no configured key opens: unknown key, tampered, or bound elsewhere. Never carries the value. */
export class TokenUnreadableError extends Error {
  override name = "TokenUnreadableError";
  constructor(
    message: string,
    /** The key id the value names, when it names one. */
    readonly keyId?: string,
  ) {
    super(message);
  }
}

export function isTokenKeyText(text: string): boolean {
  if (!KEY_TEXT.test(text)) return false;
  if (/[+/]/.test(text) && /[_-]/.test(text)) return false;
  return Buffer.from(text, "base64").length === KEY_BYTES;
}

export function parseTokenKey(text: string): Buffer {
  if (!isTokenKeyText(text)) throw new Error("a token encryption key must be 32 bytes in base64 or base64url");
  return Buffer.from(text, "base64");
}

export const tokenKeyId = (key: Buffer) => createHash("sha256").update(key).digest("base64url").slice(0, KEY_ID_CHARS);

export function keyFromAuthSecret(authSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(authSecret, "utf8"), Buffer.alloc(0), AUTH_SECRET_INFO, KEY_BYTES));
}

const tokenKey = (key: Buffer): TokenKey => ({ id: tokenKeyId(key), key });

/**
 * `current` (TOKEN_ENCRYPTION_KEY) seals; `old` (TOKEN_ENCRYPTION_OLD_KEYS) still open.
 * The AUTH_SECRET-derived key always opens too: an appliance that ran without
 * TOKEN_ENCRYPTION_KEY and then sets one keeps its sessions until the migration re-seals them.
 */
export function tokenKeyring(o: { authSecret: string; current?: string; old?: string[] }): TokenKeyring {
  const derived = tokenKey(keyFromAuthSecret(o.authSecret));
  const current = o.current ? tokenKey(parseTokenKey(o.current)) : derived;
  const readable = [current, ...(o.old ?? []).map((k) => tokenKey(parseTokenKey(k))), derived];
  const unique = readable.filter((k, i) => readable.findIndex((o) => o.key.equals(k.key)) === i);
  return { current, readable: unique, derived: !o.current };
}

export const isSealed = (stored: string) => stored.startsWith(VERSION);

/** The key id a sealed value names; undefined for plaintext. */
export function sealedKeyId(stored: string): string | undefined {
  if (!isSealed(stored)) return undefined;
  const end = stored.indexOf(":", VERSION.length);
  return end < 0 ? "" : stored.slice(VERSION.length, end);
}

/** Whether the value is sealed with the keyring's current key (nothing for the migration to do). */
export const isSealedWithCurrentKey = (ring: TokenKeyring, stored: string) => stored.startsWith(`${VERSION}${ring.current.id}:`);

const associatedData = (keyId: string, context: string) => Buffer.from(`${VERSION}${keyId}|${context}`, "utf8");

export function sealToken(ring: TokenKeyring, plaintext: string, context: string): string {
  const { id, key } = ring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(associatedData(id, context));
  const body = Buffer.concat([iv, cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}${id}:${body.toString("base64url")}`;
}

export interface OpenedToken {
  value: string;
  /** The key that sealed it; undefined: the value was stored in plaintext (before encryption). */
  keyId?: string;
}

/** The plaintext of a stored value. Throws TokenUnreadableError when no key of the ring opens it for this context. */
export function openToken(ring: TokenKeyring, stored: string, context: string): OpenedToken {
  if (!isSealed(stored)) return { value: stored };
  const rest = stored.slice(VERSION.length);
  const sep = rest.indexOf(":");
  const keyId = sep < 0 ? undefined : rest.slice(0, sep);
  const body = sep < 0 ? Buffer.alloc(0) : Buffer.from(rest.slice(sep + 1), "base64url");
  if (keyId === undefined || body.length < IV_BYTES + TAG_BYTES) throw new TokenUnreadableError("the sealed token is malformed", keyId);
  const candidates = ring.readable.filter((k) => k.id === keyId);
  if (candidates.length === 0) throw new TokenUnreadableError(`the token was sealed with key ${keyId}, which is not configured`, keyId);
  const iv = body.subarray(0, IV_BYTES);
  const tag = body.subarray(body.length - TAG_BYTES);
  const ciphertext = body.subarray(IV_BYTES, body.length - TAG_BYTES);
  for (const { key } of candidates) {
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(keyId, context));
      decipher.setAuthTag(tag);
      return { value: Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8"), keyId };
    } catch {
      // The tag did not verify with this key: try the next one with the same id, if any.
    }
  }
  throw new TokenUnreadableError(`the token sealed with key ${keyId} failed authentication (altered, or stored for another account or column)`, keyId);
}
