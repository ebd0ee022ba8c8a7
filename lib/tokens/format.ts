import { createHash, randomInt } from "node:crypto";
import { crc32 } from "node:zlib";

/** Every hub project token starts with it, so secret scanners (and people) can tell one from any other secret. */
export const PROJECT_TOKEN_PREFIX = "mlfhub_";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 40 characters of base62 from a CSPRNG: about 238 bits. */
const SECRET_LENGTH = 40;
/** A CRC32 fits in six base62 digits (62^6 > 2^32). */
const CHECKSUM_LENGTH = 6;
const SHAPE = new RegExp(`^${PROJECT_TOKEN_PREFIX}([0-9A-Za-z]{${SECRET_LENGTH}})([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`);

function base62(n: number, width: number): string {
  let out = "";
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

// The checksum lets a scanner (and the gateway, before any lookup) tell a real token from a
// look-alike or a typo offline, as GitHub's tokens do; it adds no secrecy.
const checksum = (secret: string) => base62(crc32(secret), CHECKSUM_LENGTH);

/**
 * The digest the hub keys every token by, in caches and in its store.
 * SHA-256 without salt or stretching is enough for these secrets: they are 238 random bits, so
 * no guessing reaches one from a leaked hash. Slow salted hashes exist for low-entropy human
 * passwords, and would make the per-request lookup by value impossible.
 */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("base64url");

/** A new token (shown to its owner once) and the hash the hub keeps instead. */
export function mintProjectToken(): { token: string; hash: string } {
  let secret = "";
  for (let i = 0; i < SECRET_LENGTH; i++) secret += ALPHABET[randomInt(62)];
  const token = `${PROJECT_TOKEN_PREFIX}${secret}${checksum(secret)}`;
  return { token, hash: hashToken(token) };
}

/** Whether a value has a project token's shape and a matching checksum; says nothing of whether it exists. */
export function isWellFormedProjectToken(value: string): boolean {
  const m = SHAPE.exec(value);
  return m !== null && checksum(m[1]) === m[2];
}
