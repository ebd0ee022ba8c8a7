import { PrismaAdapter } from "@auth/prisma-adapter";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { openAccountToken, sealAccountTokens, TOKEN_COLUMNS } from "@/lib/crypto/account-tokens";
import { TokenUnreadableError, type TokenKeyring } from "@/lib/crypto/token-cipher";
import { hubTokenKeyring } from "./token-keys";

type Adapter = ReturnType<typeof PrismaAdapter>;

/**
 * Auth.js' Prisma adapter with the GitLab tokens sealed on their way into the
 * `accounts` table (lib/crypto/account-tokens.ts). Of its methods only these three
 * touch token columns: linkAccount writes them (the first sign-in), getAccount
 * returns a row (WebAuthn only, unused here: opened for completeness), and
 * unlinkAccount returns the deleted row, which goes back without its tokens.
 */
export function hubAdapter(prisma: PrismaClient, keys: () => TokenKeyring = hubTokenKeyring): Adapter {
  const base = PrismaAdapter(prisma);
  return {
    ...base,
    async linkAccount(account) {
      await base.linkAccount!(sealAccountTokens(keys(), account, account));
      return account;
    },
    async getAccount(providerAccountId, provider) {
      const row = await base.getAccount!(providerAccountId, provider);
      if (!row) return row;
      const opened = { ...row };
      for (const column of TOKEN_COLUMNS) {
        const stored = row[column];
        if (typeof stored !== "string") continue;
        try {
          opened[column] = openAccountToken(keys(), row, column, stored).value;
        } catch (e) {
          if (!(e instanceof TokenUnreadableError)) throw e;
          opened[column] = undefined;
        }
      }
      return opened;
    },
    async unlinkAccount(identity) {
      await base.unlinkAccount!(identity);
    },
  };
}
