import fs from "node:fs";
import path from "node:path";
import { gcWorkerEnv, startGcWorker } from "./gc.ts";
import { startGitLabStandIn, DEMO_FIXTURE } from "./gitlab.ts";
import { ensureHubBuild, startHub, type HubMode } from "./hub.ts";
import { startLoadBalancer } from "./loadbalancer.ts";
import { startMinio } from "./minio.ts";
import { mlflowBackendStoreUri, startMlflow } from "./mlflow.ts";
import { stateDir as resolveStateDir } from "./paths.ts";
import { FETCH_BLOCKED_PORTS, MAX_HUB_REPLICAS, portsWithOffset, replicaPorts, type Ports } from "./ports.ts";
import { postgresUrls, startPostgres, type PostgresUrls } from "./postgres.ts";
import { isAlive, isPortFree, LaunchError, stopService, type Service } from "./proc.ts";
import { loadOrCreateSecrets, type LocalSecrets } from "./secrets.ts";
import { servingEnv, servingUidBase, startServing } from "./serving.ts";

export interface StackOptions {
  stateDir?: string;
  portOffset?: number;
  hub: HubMode | "none";
  fixture?: string;
  log?: (message: string) => void;
  /**
   * Hub processes on the one database, behind a load balancer (HAProxy, on replicaPorts): the
   * stack's URL (AUTH_URL) is then the load balancer's. Default 1: one hub, no load balancer.
   */
  hubReplicas?: number;
  /** MLflow server worker processes (default 2, as compose runs it). */
  mlflowWorkers?: number;
}

export interface Stack {
  dir: string;
  ports: Ports;
  /** Each hub process's own URL (one, unless hubReplicas): the service of hub i is `hubServiceName(i)`. */
  hubUrls: string[];
  /** The hub's environment (the names compose uses too) plus what tests need to reach each part. */
  env: Record<string, string>;
  services: Service[];
  stop(): Promise<void>;
  /** Stops one service and leaves the rest running (fault tests). */
  stopOne(name: string): Promise<void>;
  /** Starts a service stopped by stopOne again, with the same options. */
  startOne(name: string): Promise<void>;
}

interface StateFile {
  startedAt: string;
  ports: Ports;
  services: { name: string; pid: number; stopSignal: NodeJS.Signals }[];
}

export const BUCKET = "mlflow-artifacts";
export const DEMO_SERVICE_TOKEN = "glpat-hub-service";

/** The service name of hub process `i` (0-based) of a stack: hub, hub-2, hub-3. */
export const hubServiceName = (i: number) => (i === 0 ? "hub" : `hub-${i + 1}`);

/** The hub's environment on this machine: the variable names the compose file gives the hub too. */
export function hubEnv(o: { ports: Ports; secrets: LocalSecrets; db: PostgresUrls; publicPort?: number }): Record<string, string> {
  return {
    AUTH_URL: `http://localhost:${o.publicPort ?? o.ports.hub}`,
    AUTH_SECRET: o.secrets.authSecret,
    TOKEN_ENCRYPTION_KEY: o.secrets.tokenEncryptionKey,
    DATABASE_URL: o.db.hub,
    GITLAB_URL: `http://localhost:${o.ports.gitlab}`,
    GITLAB_CLIENT_ID: o.secrets.gitlabClientId,
    GITLAB_CLIENT_SECRET: o.secrets.gitlabClientSecret,
    GITLAB_WEBHOOK_SECRET: o.secrets.gitlabWebhookSecret,
    MLFLOW_URL: `http://127.0.0.1:${o.ports.mlflow}`,
    MLFLOW_DATABASE_URL: o.db.mlflow,
    S3_ENDPOINT: `http://127.0.0.1:${o.ports.minio}`,
    S3_ACCESS_KEY: o.secrets.s3AccessKey,
    S3_SECRET_KEY: o.secrets.s3SecretKey,
    S3_BUCKET: BUCKET,
    S3_REGION: "us-east-1",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
    METRICS_TOKEN: o.secrets.metricsToken,
    SERVING_URL: `http://127.0.0.1:${o.ports.serving}`,
    SERVING_TOKEN: o.secrets.servingToken,
    // The demo world's read_api token of `root` (infra/gitlab-dev/README.md): lets CI job tokens work locally.
    GITLAB_SERVICE_TOKEN: process.env.GITLAB_SERVICE_TOKEN ?? DEMO_SERVICE_TOKEN,
    // The demo world's Maintainer administers the hub too (besides GitLab's admin, root), so the
    // admin pages can be tried by someone GitLab does not call an admin.
    HUB_ADMINS: process.env.HUB_ADMINS ?? "maya",
    // The gateway's policy settings pass through from the launcher's environment (defaults otherwise);
    // S3_PUBLIC_URL too, e.g. MinIO's loopback URL under another name (http://localhost:<port>).
    ...Object.fromEntries(
      (["PROJECT_CACHE_TIMEOUT", "DELETE_MIN_ACCESS_LEVEL", "MANDATORY_TOPICS", "MLFLOW_GC_SCHEDULE", "MLFLOW_GC_OLDER_THAN", "S3_PUBLIC_URL", "TRUSTED_PROXIES", "GATEWAY_IDLE_TIMEOUT", "GATEWAY_MAX_REQUESTS", "GATEWAY_MAX_REQUESTS_PER_CLIENT", "GATEWAY_LOOKUPS_PER_MINUTE", "GATEWAY_AUTH_FAILURES_PER_MINUTE", "SERVING_IDLE_MINUTES", "SERVING_MAX_PER_PROJECT", "SERVING_MAX_ENDPOINTS", "SERVING_START_WAIT", "SERVING_RECONCILE_SECONDS"] as const).flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
    ),
  };
}

const stateFile = (dir: string) => path.join(dir, "state.json");

function readState(dir: string): StateFile | undefined {
  const file = stateFile(dir);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as StateFile) : undefined;
}

export function runningServices(dir: string) {
  return (readState(dir)?.services ?? []).filter((s) => isAlive(s.pid));
}

/** Stops a stack started earlier from this state folder, even by a launcher that since died. */
export async function stopStackAt(dir: string): Promise<string[]> {
  const state = readState(dir);
  if (!state) return [];
  const stopped: string[] = [];
  for (const s of [...state.services].reverse()) {
    if (isAlive(s.pid)) stopped.push(s.name);
    await stopService(s);
  }
  fs.rmSync(stateFile(dir), { force: true });
  return stopped;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const dir = resolveStateDir(opts.stateDir);
  const offset = opts.portOffset ?? Number(process.env.LOCAL_PORT_OFFSET ?? 0);
  const ports = portsWithOffset(offset);
  const replicas = opts.hub === "none" ? 0 : (opts.hubReplicas ?? 1);
  if (!Number.isInteger(replicas) || replicas > MAX_HUB_REPLICAS) throw new LaunchError(`hubReplicas must be a whole number up to ${MAX_HUB_REPLICAS}, got ${opts.hubReplicas}`);
  const balanced = replicas > 1 ? replicaPorts(offset) : undefined;
  const hubPorts = balanced ? balanced.hubs.slice(0, replicas) : [ports.hub];
  const logDir = path.join(dir, "logs");
  fs.mkdirSync(dir, { recursive: true });

  const alive = runningServices(dir);
  if (alive.length) {
    throw new LaunchError(`a stack is already running from ${dir} (${alive.map((s) => `${s.name} pid ${s.pid}`).join(", ")}): stop it with npm run local:stop`);
  }
  const wanted = [
    ...Object.entries(ports).filter(([name]) => opts.hub !== "none" || (name !== "hub" && name !== "serving")),
    ...(balanced ? [...hubPorts.slice(1).map((p, i) => [hubServiceName(i + 1), p] as const), ["load-balancer", balanced.loadBalancer] as const] : []),
  ];
  for (const [name, port] of wanted) {
    if (FETCH_BLOCKED_PORTS.has(port)) throw new LaunchError(`port ${port} (${name}) is one browsers and fetch refuse to connect to: choose another LOCAL_PORT_OFFSET`);
    if (!(await isPortFree(port))) throw new LaunchError(`port ${port} (${name}) is already in use on 127.0.0.1: stop what uses it, or shift every port with LOCAL_PORT_OFFSET`);
  }

  // Endpoints run untrusted model code under uids of their own, which may traverse this folder to
  // reach their own directory under serving/, but list nothing; what holds data is root's alone.
  fs.chmodSync(dir, 0o711);
  for (const own of ["minio", "logs"]) {
    fs.mkdirSync(path.join(dir, own), { recursive: true });
    fs.chmodSync(path.join(dir, own), 0o700);
  }
  const secrets = loadOrCreateSecrets(dir);
  const db = postgresUrls(ports.postgres, secrets);
  const env = hubEnv({ ports, secrets, db, publicPort: balanced?.loadBalancer });
  // Behind the load balancer the client address a limit counts is the one it forwards for.
  if (balanced) env.TRUSTED_PROXIES = process.env.TRUSTED_PROXIES ?? "loopback";
  const hubUrl = env.AUTH_URL;
  const gitlabUrl = env.GITLAB_URL;
  const s3Endpoint = env.S3_ENDPOINT;
  const testEnv = { POSTGRES_ADMIN_URL: db.admin, LOCAL_STATE_DIR: dir };

  const services: Service[] = [];
  const record = () => {
    const state: StateFile = { startedAt: new Date().toISOString(), ports, services: services.map(({ name, pid, stopSignal }) => ({ name, pid, stopSignal })) };
    fs.writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  };
  const stop = async () => {
    for (const s of [...services].reverse()) await stopService(s);
    fs.rmSync(stateFile(dir), { force: true });
  };
  const starters = new Map<string, () => Promise<Service>>();
  const step = async (name: string, start: () => Promise<Service>) => {
    starters.set(name, start);
    log(`starting ${name}…`);
    const t0 = Date.now();
    try {
      const service = await start();
      services.push(service);
      record();
      log(`${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      await stop();
      throw e;
    }
  };

  await step("postgres", () => startPostgres({ dir: path.join(dir, "postgres"), logDir, port: ports.postgres, secrets }));
  // Its unix socket too is for the stack's own services (root, or postgres itself), not a served model's uid.
  fs.chmodSync(path.join(dir, "postgres"), 0o700);
  await step("minio", () => startMinio({ dir: path.join(dir, "minio"), logDir, port: ports.minio, consolePort: ports.minioConsole, bucket: BUCKET, secrets }));
  await step("mlflow", () =>
    startMlflow({ logDir, port: ports.mlflow, workers: opts.mlflowWorkers, backendStoreUri: mlflowBackendStoreUri(db.mlflow), bucket: BUCKET, s3Endpoint, s3AccessKey: secrets.s3AccessKey, s3SecretKey: secrets.s3SecretKey, s3Region: env.S3_REGION }),
  );
  await step("gitlab-dev", () =>
    startGitLabStandIn({
      logDir,
      port: ports.gitlab,
      publicUrl: gitlabUrl,
      fixture: opts.fixture ?? DEMO_FIXTURE,
      clientId: secrets.gitlabClientId,
      clientSecret: secrets.gitlabClientSecret,
      redirectUris: [`${hubUrl}/api/auth/callback/gitlab`],
    }),
  );
  if (opts.hub !== "none") {
    try {
      const { migrateHubDatabase } = await import("../../lib/db/migrate-hub.ts");
      const { applied, tokens } = await migrateHubDatabase({ databaseUrl: db.hub, env });
      if (applied.length) log(`applied migrations: ${applied.join(", ")}`);
      if (tokens.sealed + tokens.resealed) log(`sealed ${tokens.sealed + tokens.resealed} stored GitLab tokens with TOKEN_ENCRYPTION_KEY`);
      if (opts.hub === "prod") await ensureHubBuild(log);
    } catch (e) {
      await stop();
      throw e;
    }
    // After the migrations: the worker records its runs in the hub's gc_runs table.
    const gcEnv = gcWorkerEnv({
      hubDatabaseUrl: db.hub,
      mlflowDatabaseUrl: db.mlflow,
      mlflowUrl: env.MLFLOW_URL,
      schedule: process.env.MLFLOW_GC_SCHEDULE ?? "0 3 * * 0",
      olderThan: process.env.MLFLOW_GC_OLDER_THAN ?? "30d",
    });
    await step("mlflow-gc", () => startGcWorker({ logDir, stateDir: dir, env: gcEnv }));
    // The serving supervisor drops each model to a uid of its own, so it needs root; without root
    // (or with LOCAL_SERVING=off) the stack runs without it and the hub answers serving routes 503.
    if (process.env.LOCAL_SERVING !== "off" && process.getuid?.() === 0) {
      await step("serving", () => startServing({ logDir, env: servingEnv({ port: ports.serving, token: secrets.servingToken, hubUrl: hubUrl.replace("localhost", "127.0.0.1"), dataDir: path.join(dir, "serving"), uidBase: servingUidBase(offset) }) }));
    } else log("serving supervisor not started (needs root; LOCAL_SERVING=off skips it): model endpoints answer 503");
    for (const [i, port] of hubPorts.entries()) {
      const name = hubServiceName(i);
      await step(name, () => startHub({ name, logDir, port, mode: opts.hub as HubMode, env }));
    }
    if (balanced) await step("load-balancer", () => startLoadBalancer({ dir: path.join(dir, "load-balancer"), logDir, port: balanced.loadBalancer, hubPorts }));
  }
  const allEnv = { ...env, ...testEnv };
  // Single-quoted, as gen-env.sh writes .env: `set -a; . .local/env` must read a value with spaces (a GC schedule) as one.
  const quoted = (k: string, v: string) => {
    if (v.includes("'")) throw new Error(`${k} holds a single quote, which the stack's env file cannot carry`);
    return `${k}='${v}'`;
  };
  fs.writeFileSync(path.join(dir, "env"), Object.entries(allEnv).map(([k, v]) => quoted(k, v)).join("\n") + "\n", { mode: 0o600 });
  const stopOne = async (name: string) => {
    const i = services.findIndex((s) => s.name === name);
    if (i < 0) throw new LaunchError(`${name} is not running`);
    await stopService(services[i]);
    services.splice(i, 1);
    record();
  };
  const startOne = async (name: string) => {
    const start = starters.get(name);
    if (!start) throw new LaunchError(`${name} is not a service of this stack`);
    services.push(await start());
    record();
  };
  const hubUrls = opts.hub === "none" ? [] : hubPorts.map((p) => `http://127.0.0.1:${p}`);
  return { dir, ports, hubUrls, env: allEnv, services, stop, stopOne, startOne };
}
