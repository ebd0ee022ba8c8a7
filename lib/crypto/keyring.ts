import type { TokenKeyConfig } from "../config";
import { tokenKeyring, type TokenKeyring } from "./token-cipher";

/** What the hub and the migration log when TOKEN_ENCRYPTION_KEY is unset. */
export const DERIVED_KEY_WARNING =
  "TOKEN_ENCRYPTION_KEY is not set: GitLab tokens are sealed with a key derived from AUTH_SECRET, so changing AUTH_SECRET signs every user out of GitLab; set TOKEN_ENCRYPTION_KEY (README, Secrets at rest)";

export const keyringFromConfig = (c: TokenKeyConfig): TokenKeyring =>
  tokenKeyring({ authSecret: c.AUTH_SECRET, current: c.TOKEN_ENCRYPTION_KEY, old: c.TOKEN_ENCRYPTION_OLD_KEYS });
