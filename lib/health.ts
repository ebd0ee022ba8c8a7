import crypto from "node:crypto";
import * as Minio from "minio";
import { signV4 } from "minio/dist/esm/signing.mjs";
import { config } from "@/lib/config";
import { db } from "@/lib/db/client";

export interface DependencyHealth {
  name: "hub database" | "MLflow" | "MinIO" | "GitLab";
  ok: boolean;
  latencyMs: number;
  /** Version or failure reason, never a secret. */
  detail: string;
  /** The version the dependency reports, when it tells. */
  version?: string;
}

export interface HealthOptions {
  /** A GitLab token for `GET /api/v4/version` (GitLab answers it to signed-in callers only); GITLAB_SERVICE_TOKEN otherwise. */
  gitlabToken?: string;
}

const TIMEOUT_MS = 3_000;

type Probe = (o: HealthOptions) => Promise<{ detail: string; version?: string }>;

async function timed(name: DependencyHealth["name"], probe: () => ReturnType<Probe>): Promise<DependencyHealth> {
  const t0 = performance.now();
  try {
    const result = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref()),
    ]);
    return { name, ok: true, latencyMs: Math.round(performance.now() - t0), ...result };
  } catch (e) {
    return { name, ok: false, latencyMs: Math.round(performance.now() - t0), detail: (e as Error).message };
  }
}

async function getOk(url: string, headers?: Record<string, string>): Promise<Response> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(TIMEOUT_MS), cache: "no-store" });
  if (!res.ok) {
    await res.arrayBuffer();
    throw new Error(`${new URL(url).pathname} answered ${res.status}`);
  }
  return res;
}

/** Best effort: a version is a nice-to-have, never the reason a dependency counts as down. */
const maybe = <T>(p: Promise<T>) => p.catch(() => undefined);

/** MinIO's version is on its admin API (`mc admin info`), which takes S3 credentials with admin rights. */
async function minioVersion(endpoint: URL, accessKey: string, secretKey: string, region: string): Promise<string | undefined> {
  const path = "/minio/admin/v3/info";
  const date = new Date();
  const sha = crypto.createHash("sha256").update("").digest("hex");
  const headers: Record<string, string> = { host: endpoint.host, "x-amz-date": date.toISOString().replace(/[:-]|\.\d{3}/g, ""), "x-amz-content-sha256": sha };
  headers.authorization = signV4({ protocol: endpoint.protocol, method: "GET", path, headers }, accessKey, secretKey, region, date, sha);
  const info = (await (await getOk(`${endpoint.origin}${path}`, headers)).json()) as { servers?: { version?: string }[] };
  return info.servers?.[0]?.version;
}

const probes: Record<DependencyHealth["name"], Probe> = {
  "hub database": async () => {
    const rows = await db().$queryRaw<{ version: string }[]>`select current_setting('server_version') as version`;
    const version = rows[0]?.version?.split(" ")[0];
    return { detail: `PostgreSQL ${rows[0]?.version ?? "?"}`, version };
  },
  MLflow: async () => {
    const base = config().MLFLOW_URL;
    await (await getOk(`${base}/health`)).text();
    const version = (await (await getOk(`${base}/version`)).text()).trim();
    // Isolation rests on workspaces: a server without them is not healthy for the hub.
    const ws = await fetch(`${base}/api/3.0/mlflow/workspaces`, { signal: AbortSignal.timeout(TIMEOUT_MS), cache: "no-store" });
    await ws.arrayBuffer();
    if (!ws.ok) throw new Error(`MLflow ${version} runs without workspaces`);
    return { detail: `MLflow ${version}, workspaces enabled`, version };
  },
  MinIO: async () => {
    const c = config();
    const url = new URL(c.S3_ENDPOINT);
    const client = new Minio.Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      useSSL: url.protocol === "https:",
      accessKey: c.S3_ACCESS_KEY,
      secretKey: c.S3_SECRET_KEY,
      region: c.S3_REGION,
    });
    const [exists, version] = await Promise.all([client.bucketExists(c.S3_BUCKET), maybe(minioVersion(url, c.S3_ACCESS_KEY, c.S3_SECRET_KEY, c.S3_REGION))]);
    if (!exists) throw new Error(`bucket ${c.S3_BUCKET} does not exist`);
    return { detail: `bucket ${c.S3_BUCKET} reachable`, version };
  },
  GitLab: async (o) => {
    const c = config();
    const res = await getOk(`${c.GITLAB_URL}/.well-known/openid-configuration`);
    const { issuer } = (await res.json()) as { issuer?: string };
    const token = o.gitlabToken ?? c.GITLAB_SERVICE_TOKEN;
    const about = token ? await maybe(getOk(`${c.GITLAB_URL}/api/v4/version`, { authorization: `Bearer ${token}` }).then((r) => r.json() as Promise<{ version?: string }>)) : undefined;
    return { detail: `OpenID provider ${issuer ?? "?"}`, version: about?.version };
  },
};

/** Probes every dependency in parallel, each bounded by a short timeout. */
export function checkDependencies(options: HealthOptions = {}): Promise<DependencyHealth[]> {
  return Promise.all(Object.entries(probes).map(([name, probe]) => timed(name as DependencyHealth["name"], () => probe(options))));
}
