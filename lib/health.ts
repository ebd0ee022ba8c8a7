import * as Minio from "minio";
import { config } from "@/lib/config";
import { db } from "@/lib/db/client";

export interface DependencyHealth {
  name: "hub database" | "MLflow" | "MinIO" | "GitLab";
  ok: boolean;
  latencyMs: number;
  /** Version or failure reason, never a secret. */
  detail: string;
}

const TIMEOUT_MS = 3_000;

async function timed(name: DependencyHealth["name"], probe: () => Promise<string>): Promise<DependencyHealth> {
  const t0 = performance.now();
  try {
    const detail = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref()),
    ]);
    return { name, ok: true, latencyMs: Math.round(performance.now() - t0), detail };
  } catch (e) {
    return { name, ok: false, latencyMs: Math.round(performance.now() - t0), detail: (e as Error).message };
  }
}

async function getOk(url: string): Promise<Response> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), cache: "no-store" });
  if (!res.ok) throw new Error(`${new URL(url).pathname} answered ${res.status}`);
  return res;
}

const probes: Record<DependencyHealth["name"], () => Promise<string>> = {
  "hub database": async () => {
    const rows = await db().$queryRaw<{ version: string }[]>`select current_setting('server_version') as version`;
    return `PostgreSQL ${rows[0]?.version ?? "?"}`;
  },
  MLflow: async () => {
    const base = config().MLFLOW_URL;
    await (await getOk(`${base}/health`)).text();
    const version = (await (await getOk(`${base}/version`)).text()).trim();
    // Isolation rests on workspaces: a server without them is not healthy for the hub.
    const ws = await fetch(`${base}/api/3.0/mlflow/workspaces`, { signal: AbortSignal.timeout(TIMEOUT_MS), cache: "no-store" });
    await ws.arrayBuffer();
    if (!ws.ok) throw new Error(`MLflow ${version} runs without workspaces`);
    return `MLflow ${version}, workspaces enabled`;
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
    if (!(await client.bucketExists(c.S3_BUCKET))) throw new Error(`bucket ${c.S3_BUCKET} does not exist`);
    return `bucket ${c.S3_BUCKET} reachable`;
  },
  GitLab: async () => {
    const res = await getOk(`${config().GITLAB_URL}/.well-known/openid-configuration`);
    const { issuer } = (await res.json()) as { issuer?: string };
    return `OpenID provider ${issuer ?? "?"}`;
  },
};

/** Probes every dependency in parallel, each bounded by a short timeout. */
export function checkDependencies(): Promise<DependencyHealth[]> {
  return Promise.all(Object.entries(probes).map(([name, probe]) => timed(name as DependencyHealth["name"], probe)));
}
