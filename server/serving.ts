import { config } from "@/lib/config";
import { db } from "@/lib/db/client";
import { logger } from "@/lib/logger";
import { endpointManager, type EndpointManager } from "@/lib/serving/endpoints";
import { servingGrants } from "@/lib/serving/grant";
import { mlflowModels } from "@/lib/serving/mlflow-models";
import { endpointStore } from "@/lib/serving/store";
import { supervisorClient, type SupervisorClient } from "@/lib/serving/supervisor";

const KEY = Symbol.for("mlflow-hub.serving");
type Serving = { manager: EndpointManager; supervisor: SupervisorClient };
type Holder = { [KEY]?: Serving | null };

/**
 * Model serving of this process, or undefined when SERVING_URL is not set. Shared on globalThis
 * by the gateway and the dashboard (separate bundles), like the access resolver; it reconciles
 * the serving runtime to the database at start and every SERVING_RECONCILE_SECONDS.
 */
export function sharedServing(): Serving | undefined {
  const holder = globalThis as Holder;
  if (holder[KEY] === undefined) {
    const c = config();
    if (!c.SERVING_URL || !c.SERVING_TOKEN) {
      holder[KEY] = null;
    } else {
      const log = logger().child({ component: "serving" });
      const supervisor = supervisorClient(c.SERVING_URL, c.SERVING_TOKEN);
      const grants = servingGrants(c.AUTH_SECRET);
      const manager = endpointManager({
        store: endpointStore(db()),
        supervisor,
        models: mlflowModels(c.MLFLOW_URL),
        mintGrant: (projectId) => grants.mint(projectId),
        idleMs: c.SERVING_IDLE_MINUTES * 60_000,
        maxPerProject: c.SERVING_MAX_PER_PROJECT,
        maxEndpoints: c.SERVING_MAX_ENDPOINTS,
        startWaitMs: c.SERVING_START_WAIT * 1000,
        onError: (e, what) => log.warn({ err: e instanceof Error ? e.message : String(e) }, what),
      });
      holder[KEY] = { manager, supervisor };
      void manager.reconcile();
      setInterval(() => void manager.reconcile(), c.SERVING_RECONCILE_SECONDS * 1000).unref();
    }
  }
  return holder[KEY] ?? undefined;
}

/** The grants' verifier, for the access resolver (no serving needed to check one). */
export const servingGrantVerifier = () => servingGrants(config().AUTH_SECRET);
