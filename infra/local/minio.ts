import fs from "node:fs";
import * as Minio from "minio";
import { httpOk, spawnService, waitUntilHealthy, type Service } from "./proc.ts";
import type { LocalSecrets } from "./secrets.ts";
import { ensureMinio } from "./tools.ts";

export async function startMinio(opts: { dir: string; logDir: string; port: number; consolePort: number; bucket: string; secrets: LocalSecrets }): Promise<Service> {
  const binary = await ensureMinio();
  fs.mkdirSync(opts.dir, { recursive: true });
  const service = spawnService({
    name: "minio",
    command: binary,
    args: ["server", opts.dir, "--address", `127.0.0.1:${opts.port}`, "--console-address", `127.0.0.1:${opts.consolePort}`, "--quiet"],
    env: {
      PATH: process.env.PATH,
      HOME: opts.dir,
      MINIO_ROOT_USER: opts.secrets.s3AccessKey,
      MINIO_ROOT_PASSWORD: opts.secrets.s3SecretKey,
      MINIO_UPDATE: "off",
      MINIO_CALLHOME_ENABLE: "off",
    },
    logDir: opts.logDir,
  });
  await waitUntilHealthy(service, () => httpOk(`http://127.0.0.1:${opts.port}/minio/health/ready`), 60_000);
  await ensureBucket(`http://127.0.0.1:${opts.port}`, opts.secrets, opts.bucket);
  return service;
}

export async function ensureBucket(endpoint: string, secrets: LocalSecrets, bucket: string) {
  const url = new URL(endpoint);
  const client = new Minio.Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === "https:",
    accessKey: secrets.s3AccessKey,
    secretKey: secrets.s3SecretKey,
  });
  if (!(await client.bucketExists(bucket))) await client.makeBucket(bucket);
}
