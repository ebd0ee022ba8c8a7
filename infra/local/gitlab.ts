import path from "node:path";
import { REPO_ROOT } from "./paths.ts";
import { httpOk, spawnService, waitUntilHealthy, type Service } from "./proc.ts";

export const DEMO_FIXTURE = path.join(REPO_ROOT, "infra", "gitlab-dev", "fixtures", "demo.yaml");

export async function startGitLabStandIn(opts: {
  logDir: string;
  port: number;
  publicUrl: string;
  fixture: string;
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}): Promise<Service> {
  const service = spawnService({
    name: "gitlab-dev",
    command: process.execPath,
    args: ["--import", "tsx", path.join(REPO_ROOT, "infra", "gitlab-dev", "main.ts")],
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      GITLAB_DEV_FIXTURE: opts.fixture,
      GITLAB_DEV_HOST: "127.0.0.1",
      GITLAB_DEV_PORT: String(opts.port),
      GITLAB_DEV_URL: opts.publicUrl,
      GITLAB_DEV_CLIENT_ID: opts.clientId,
      GITLAB_DEV_CLIENT_SECRET: opts.clientSecret,
      GITLAB_DEV_REDIRECT_URIS: opts.redirectUris.join(","),
      ...(process.env.GITLAB_DEV_LATENCY_MS ? { GITLAB_DEV_LATENCY_MS: process.env.GITLAB_DEV_LATENCY_MS } : {}),
      ...(process.env.GITLAB_DEV_ACCESS_TOKEN_TTL ? { GITLAB_DEV_ACCESS_TOKEN_TTL: process.env.GITLAB_DEV_ACCESS_TOKEN_TTL } : {}),
    },
    logDir: opts.logDir,
  });
  await waitUntilHealthy(service, () => httpOk(`http://127.0.0.1:${opts.port}/-/health`), 30_000);
  return service;
}
