import { config } from "@/lib/config";
import { db } from "@/lib/db/client";
import { createAccessResolver, type AccessResolver } from "@/lib/gateway/access";
import { accessCache, gitlabCalls } from "@/lib/gateway/metrics";
import { logger } from "@/lib/logger";
import { revocations } from "@/lib/revocation/shared";
import { projectTokenSource } from "@/lib/tokens/store";
import { servingGrantVerifier } from "@/server/serving";

const KEY = Symbol.for("mlflow-hub.access-resolver");
type Holder = { [KEY]?: AccessResolver };

/**
 * The one access resolver of this process. The gateway (bundled into the hub
 * server) and the dashboard (bundled by Next) are separate module instances, so
 * the instance lives on globalThis: both share one cache and so ask GitLab at
 * most once per token, project and TTL between them. Revocations published by any hub process
 * (lib/revocation/) drop its entries at once.
 */
export function sharedAccessResolver(): AccessResolver {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    const c = config();
    holder[KEY] = createAccessResolver({
      gitlabUrl: c.GITLAB_URL,
      serviceToken: c.GITLAB_SERVICE_TOKEN,
      projectTokens: projectTokenSource(db(), (e) => logger().error({ err: e }, "a project token's last use could not be recorded")),
      servingGrants: servingGrantVerifier(),
      mandatoryTopics: c.MANDATORY_TOPICS,
      ttlSeconds: c.PROJECT_CACHE_TIMEOUT,
      onGitLabCall: (endpoint, status) => gitlabCalls.labels(endpoint, String(status)).inc(),
      onCache: (hit) => accessCache.labels(hit ? "hit" : "miss").inc(),
    });
    const resolver = holder[KEY];
    // Revocations from any hub process (this one included) reach this cache at once.
    revocations().on((r) => {
      if (r.kind === "token") resolver.forget(r.hash);
      else if (r.kind === "project") resolver.forgetProject(r.id, r.paths);
      else if (r.kind === "namespace") resolver.forgetNamespace(r.path);
      else if (r.kind === "job") resolver.forgetJob(r.id);
      else if (r.kind === "all") resolver.forgetAll();
    });
  }
  return holder[KEY];
}
