import pg from "pg";
import { config } from "@/lib/config";
import { db } from "@/lib/db/client";
import { logger } from "@/lib/logger";
import { hashToken } from "@/lib/tokens/format";
import { createRevocationBus, REVOCATION_CHANNEL, type RevocationBus } from "./bus";

/** How the listener shows in pg_stat_activity (operators, and the test that cuts it). */
export const LISTENER_APPLICATION_NAME = "mlflow-hub revocations";

const KEY = Symbol.for("mlflow-hub.revocations");
type Holder = { [KEY]?: RevocationBus };

/**
 * The revocation bus of this process, listening from its first use. Like the access resolver
 * (server/access.ts) it lives on globalThis: the gateway (bundled into the hub server) and Next's
 * pages and routes are separate module instances, and share one listener connection and one set
 * of caches to clear.
 */
export function revocations(): RevocationBus {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    const bus = createRevocationBus({
      listener: () =>
        new pg.Client({ connectionString: config().DATABASE_URL, application_name: LISTENER_APPLICATION_NAME, keepAlive: true, keepAliveInitialDelayMillis: 10_000 }),
      notify: async (payload) => {
        await db().$executeRaw`select pg_notify(${REVOCATION_CHANNEL}, ${payload})`;
      },
      log: logger().child({ component: "revocations" }),
    });
    holder[KEY] = bus;
    bus.start();
  }
  return holder[KEY];
}

/** A hub session ended (its row is gone): every process drops it from its gateway's session cache. */
export const revokeSession = (sessionToken: string) => revocations().publish({ kind: "session", hash: hashToken(sessionToken) });
