import { parseTokenKeyConfig } from "../config";
import { DERIVED_KEY_WARNING, keyringFromConfig } from "../crypto/keyring";
import { resealAccountTokens, type ResealCounts } from "../crypto/reseal-accounts";
import { applyMigrations, type MigrateLog } from "./migrate";

/**
 * Everything `npm run db:migrate`, compose's `migrate` job and the local launcher
 * do to the hub's database: Prisma's migrations, then every GitLab token sealed
 * with the current TOKEN_ENCRYPTION_KEY (plaintext from before encryption, and
 * values of older keys during a rotation). `env` holds AUTH_SECRET and the
 * TOKEN_ENCRYPTION_* variables, validated as the hub validates them.
 */
export async function migrateHubDatabase(o: { databaseUrl: string; env: Record<string, string | undefined>; log?: MigrateLog }): Promise<{ applied: string[]; tokens: ResealCounts }> {
  const log = o.log ?? (() => {});
  const keyring = keyringFromConfig(parseTokenKeyConfig(o.env));
  const { applied } = await applyMigrations({ databaseUrl: o.databaseUrl, log });
  if (keyring.derived) log(`warning: ${DERIVED_KEY_WARNING}`);
  const started = performance.now();
  const tokens = await resealAccountTokens({ databaseUrl: o.databaseUrl, keyring, log });
  const unreadable = Object.entries(tokens.unreadable);
  log(
    `tokens: ${tokens.sealed} sealed from plaintext, ${tokens.resealed} re-sealed from older keys, in ${tokens.accounts} accounts, with key ${keyring.current.id} ` +
      `(${Math.round(performance.now() - started)} ms)`,
  );
  if (unreadable.length > 0) {
    log(
      `warning: ${unreadable.reduce((n, [, c]) => n + c, 0)} tokens open with no configured key (${unreadable.map(([id, c]) => `${c} of key ${id}`).join(", ")}); ` +
        "they are left as they are and their users must sign in again, unless the key that sealed them goes into TOKEN_ENCRYPTION_OLD_KEYS",
    );
  }
  return { applied, tokens };
}
