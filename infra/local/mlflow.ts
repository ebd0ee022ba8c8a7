import path from "node:path";
import { httpOk, LaunchError, spawnService, waitUntilHealthy, type Service } from "./proc.ts";
import { ensureMlflowVenv } from "./tools.ts";

/**
 * The options MLflow runs with, here and in the compose file: Postgres backend,
 * artifacts proxied by MLflow itself into the bucket, and workspaces on — the
 * gateway's per-project isolation depends on them.
 *
 * MLflow only answers requests whose Host header it knows (loopback and private
 * IPs by default) and refuses state-changing API calls from unknown browser
 * origins; `allowedHosts` and `corsAllowedOrigins` name the hub's when it reaches
 * MLflow by a service name and the browser sees another origin (compose).
 */
export function mlflowServerArgs(o: {
  host: string;
  port: number;
  backendStoreUri: string;
  artifactsDestination: string;
  allowedHosts?: string[];
  corsAllowedOrigins?: string[];
  workers?: number;
}): string[] {
  return [
    "server",
    "--host", o.host,
    "--port", String(o.port),
    "--backend-store-uri", o.backendStoreUri,
    "--serve-artifacts",
    "--artifacts-destination", o.artifactsDestination,
    "--enable-workspaces",
    "--workers", String(o.workers ?? 2),
    ...(o.allowedHosts ? ["--allowed-hosts", o.allowedHosts.join(",")] : []),
    ...(o.corsAllowedOrigins ? ["--cors-allowed-origins", o.corsAllowedOrigins.join(",")] : []),
  ];
}

/** SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; MLflow's image and our virtualenv ship psycopg2. */
export function mlflowBackendStoreUri(postgresUrl: string): string {
  return postgresUrl.replace(/^postgresql:/, "postgresql+psycopg2:");
}

/** MLflow's environment for the bucket (read by boto3) and without telemetry, here and in the compose file. */
export function mlflowServerEnv(o: { s3Endpoint: string; s3AccessKey: string; s3SecretKey: string; s3Region: string }): Record<string, string> {
  return {
    MLFLOW_S3_ENDPOINT_URL: o.s3Endpoint,
    AWS_ACCESS_KEY_ID: o.s3AccessKey,
    AWS_SECRET_ACCESS_KEY: o.s3SecretKey,
    AWS_DEFAULT_REGION: o.s3Region,
    MLFLOW_DISABLE_TELEMETRY: "true",
    DO_NOT_TRACK: "true",
    // Server-wide features the gateway refuses anyway (lib/gateway/routes.ts): off at the source too.
    MLFLOW_ENABLE_AI_GATEWAY: "false",
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: "false",
    // SQLAlchemy's default pool (5 + 10 overflow per worker) runs dry under a few dozen concurrent
    // loggers: MLflow then waits 30 s and answers 400 "QueuePool limit reached". 2 workers × 40 stays
    // under Postgres's default 100 connections with room for the hub.
    MLFLOW_SQLALCHEMYSTORE_POOL_SIZE: "10",
    MLFLOW_SQLALCHEMYSTORE_MAX_OVERFLOW: "30",
  };
}

export async function startMlflow(opts: {
  logDir: string;
  port: number;
  workers?: number;
  backendStoreUri: string;
  bucket: string;
  s3Endpoint: string;
  s3AccessKey: string;
  s3SecretKey: string;
  s3Region: string;
}): Promise<Service> {
  const venv = await ensureMlflowVenv();
  const service = spawnService({
    name: "mlflow",
    command: path.join(venv, "bin", "mlflow"),
    args: mlflowServerArgs({ host: "127.0.0.1", port: opts.port, workers: opts.workers, backendStoreUri: opts.backendStoreUri, artifactsDestination: `s3://${opts.bucket}` }),
    env: {
      PATH: `${path.join(venv, "bin")}:${process.env.PATH}`,
      HOME: process.env.HOME,
      ...mlflowServerEnv(opts),
    },
    logDir: opts.logDir,
  });
  const base = `http://127.0.0.1:${opts.port}`;
  await waitUntilHealthy(service, () => httpOk(`${base}/health`), 240_000);
  await assertWorkspacesEnabled(base);
  return service;
}

/** Without workspaces every project would share one MLflow: refuse to run rather than serve that. */
export async function assertWorkspacesEnabled(base: string) {
  const res = await fetch(`${base}/api/3.0/mlflow/workspaces`, { signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (!res.ok || !body.includes('"workspaces"')) {
    throw new LaunchError(`MLflow at ${base} does not have workspaces enabled: GET /api/3.0/mlflow/workspaces answered ${res.status} ${body.slice(0, 200)}`);
  }
}
