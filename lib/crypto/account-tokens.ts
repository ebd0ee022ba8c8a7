/**
 * The GitLab tokens of an Account row (the Auth.js `accounts` table), sealed per
 * column and bound to the GitLab identity they belong to.
 *
 * The binding is `provider` + `providerAccountId`, not the row's id: Auth.js'
 * adapter inserts the row without an id (Prisma makes one), and the sign-in event
 * updates it by provider and account id; both are known at every write, and the
 * pair is unique. A token copied into another user's row, or the refresh token
 * into the access token's column, does not open.
 */
import { openToken, sealToken, type OpenedToken, type TokenKeyring } from "./token-cipher";

export const TOKEN_COLUMNS = ["access_token", "refresh_token", "id_token"] as const;
export type TokenColumn = (typeof TOKEN_COLUMNS)[number];

export interface AccountIdentity {
  provider: string;
  providerAccountId: string;
}

export const accountTokenContext = (who: AccountIdentity, column: TokenColumn) => `accounts:${who.provider}:${who.providerAccountId}:${column}`;

/** `data` with every token column it sets sealed; null and undefined stay as they are. */
export function sealAccountTokens<T extends Partial<Record<TokenColumn, string | null | undefined>>>(ring: TokenKeyring, who: AccountIdentity, data: T): T {
  const sealed: Partial<Record<TokenColumn, string | null | undefined>> = { ...data };
  for (const column of TOKEN_COLUMNS) {
    const value = data[column];
    if (typeof value === "string") sealed[column] = sealToken(ring, value, accountTokenContext(who, column));
  }
  return sealed as T;
}

/** One stored token column's plaintext (a value stored before encryption is returned as it is). Throws TokenUnreadableError. */
export function openAccountToken(ring: TokenKeyring, who: AccountIdentity, column: TokenColumn, stored: string): OpenedToken {
  return openToken(ring, stored, accountTokenContext(who, column));
}
