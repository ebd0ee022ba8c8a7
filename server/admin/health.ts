import "server-only";
import { MINIO_PIN, MLFLOW_PIN } from "@/lib/admin/pins";
import { config } from "@/lib/config";
import { checkDependencies, type DependencyHealth } from "@/lib/health";
import pkg from "@/package.json" with { type: "json" };

export interface HubFacts {
  version: string;
  node: string;
  /** Seconds since this hub process started. */
  uptimeSeconds: number;
  startedAt: Date;
  pins: { mlflow: string; minio: string };
}

export function hubFacts(): HubFacts {
  const uptimeSeconds = process.uptime();
  return { version: pkg.version, node: process.version, uptimeSeconds, startedAt: new Date(Date.now() - uptimeSeconds * 1000), pins: { mlflow: MLFLOW_PIN, minio: MINIO_PIN } };
}

/** The health page's probes: GitLab's version needs a token, the service token's or else the admin's own. */
export function adminHealth(adminToken: string): Promise<DependencyHealth[]> {
  return checkDependencies({ gitlabToken: config().GITLAB_SERVICE_TOKEN ?? adminToken });
}
