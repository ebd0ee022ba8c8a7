import { config } from "@/lib/config";
import { DERIVED_KEY_WARNING, keyringFromConfig } from "@/lib/crypto/keyring";
import type { TokenKeyring } from "@/lib/crypto/token-cipher";
import { logger } from "@/lib/logger";

// One per process, shared by the gateway's and Next's module instances.
const KEY = Symbol.for("mlflow-hub.token-keyring");
const holder = globalThis as { [KEY]?: TokenKeyring };

/** The hub's keys for GitLab tokens at rest, built once; the first call says in the log which key seals. */
export function hubTokenKeyring(): TokenKeyring {
  if (!holder[KEY]) {
    const ring = keyringFromConfig(config());
    if (ring.derived) logger().warn(DERIVED_KEY_WARNING);
    else logger().info({ keyId: ring.current.id, readableKeyIds: ring.readable.map((k) => k.id) }, "GitLab tokens at rest are sealed with TOKEN_ENCRYPTION_KEY");
    holder[KEY] = ring;
  }
  return holder[KEY];
}
