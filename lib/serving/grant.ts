import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

/** Every serving grant starts with it: the gateway tells one from a GitLab or project token by it. */
export const SERVING_GRANT_PREFIX = "mlfsrv_";

/** Long enough to download a big model over a slow link, short enough that a leaked one is soon worthless. */
export const GRANT_MINUTES = 10;

export interface ServingGrant {
  projectId: number;
  expiresAt: Date;
}

/**
 * The credential the serving runtime downloads a model with: read-only, one project, minutes long.
 * Signed by the hub with a key derived from AUTH_SECRET, so only the hub makes them; the runtime,
 * which holds SERVING_TOKEN and nothing else of the hub's, cannot mint one for another project.
 * Stateless: no hub user needs to exist for it (deploys come with GitLab tokens and CI jobs too).
 */
export function servingGrants(authSecret: string) {
  const key = Buffer.from(hkdfSync("sha256", authSecret, "mlflow-hub", "serving grant v1", 32));
  const sign = (payload: string) => createHmac("sha256", key).update(payload).digest("base64url");

  return {
    mint(projectId: number, now = new Date()): string {
      const payload = Buffer.from(JSON.stringify({ p: projectId, e: Math.floor(now.getTime() / 1000) + GRANT_MINUTES * 60, n: randomBytes(9).toString("base64url") })).toString("base64url");
      return `${SERVING_GRANT_PREFIX}${payload}.${sign(payload)}`;
    },

    /** The grant, if the hub signed it and it has not expired; undefined otherwise. */
    verify(token: string, now = new Date()): ServingGrant | undefined {
      if (!token.startsWith(SERVING_GRANT_PREFIX)) return undefined;
      const [payload, signature, extra] = token.slice(SERVING_GRANT_PREFIX.length).split(".");
      if (!payload || !signature || extra !== undefined) return undefined;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
      let claims: { p?: unknown; e?: unknown };
      try {
        claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      } catch {
        return undefined;
      }
      if (typeof claims.p !== "number" || !Number.isInteger(claims.p) || claims.p < 1 || typeof claims.e !== "number") return undefined;
      const expiresAt = new Date(claims.e * 1000);
      return expiresAt > now ? { projectId: claims.p, expiresAt } : undefined;
    },
  };
}

export type ServingGrants = ReturnType<typeof servingGrants>;
