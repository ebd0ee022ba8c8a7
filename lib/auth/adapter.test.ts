import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { openAccountToken } from "@/lib/crypto/account-tokens";
import { tokenKeyring } from "@/lib/crypto/token-cipher";
import { hubAdapter } from "./adapter";

const keys = tokenKeyring({ authSecret: "s".repeat(40), current: randomBytes(32).toString("base64url") });
const account = {
  userId: "u1",
  type: "oidc" as const,
  provider: "gitlab",
  providerAccountId: "7",
  access_token: "gitlab-access-token",
  refresh_token: "gitlab-refresh-token",
  id_token: "header.payload.signature",
  token_type: "bearer" as const,
  expires_at: 2_000_000_000,
};

/** The Prisma calls Auth.js' adapter makes on `account`, recorded; rows kept in memory. */
function fakePrisma() {
  const rows: Record<string, unknown>[] = [];
  const account = {
    create: async ({ data }: { data: Record<string, unknown> }) => (rows.push({ id: "a1", ...data }), rows.at(-1)),
    findFirst: async () => rows[0] ?? null,
    delete: async () => rows.pop(),
  };
  return { rows, prisma: { account } as unknown as PrismaClient };
}

describe("the hub's Auth.js adapter", () => {
  it("stores the tokens of a newly linked GitLab account sealed, and hands Auth.js back the account as it gave it", async () => {
    const { rows, prisma } = fakePrisma();
    const returned = await hubAdapter(prisma, () => keys).linkAccount!(account);
    expect(returned).toEqual(account);
    const [row] = rows as Record<string, string>[];
    for (const column of ["access_token", "refresh_token", "id_token"] as const) {
      expect(row[column], column).toMatch(/^enc:v1:/);
      expect(openAccountToken(keys, account, column, row[column]).value).toBe(account[column]);
    }
    expect(JSON.stringify(row)).not.toContain("gitlab-access-token");
    expect(row).toMatchObject({ expires_at: account.expires_at, token_type: "bearer", providerAccountId: "7" });
  });

  it("opens the tokens of an account it returns, and returns no tokens of one it unlinks", async () => {
    const { prisma } = fakePrisma();
    const adapter = hubAdapter(prisma, () => keys);
    await adapter.linkAccount!(account);
    expect(await adapter.getAccount!("7", "gitlab")).toMatchObject({ access_token: account.access_token, refresh_token: account.refresh_token, id_token: account.id_token });
    expect(await adapter.unlinkAccount!({ provider: "gitlab", providerAccountId: "7" })).toBeUndefined();
  });
});
