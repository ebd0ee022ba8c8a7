import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export interface LocalSecrets {
  postgresAdminPassword: string;
  postgresHubPassword: string;
  postgresMlflowPassword: string;
  s3AccessKey: string;
  s3SecretKey: string;
  authSecret: string;
  gitlabClientId: string;
  gitlabClientSecret: string;
  metricsToken: string;
}

const fresh = (bytes: number) => randomBytes(bytes).toString("base64url");

/**
 * Secrets are made once per state folder and kept, so a restart reuses the same
 * database passwords, bucket keys and session secret (signed-in sessions survive).
 */
export function loadOrCreateSecrets(dir: string): LocalSecrets {
  const file = path.join(dir, "secrets.json");
  if (fs.existsSync(file)) {
    const kept = JSON.parse(fs.readFileSync(file, "utf8")) as LocalSecrets;
    // A state folder from before /metrics took a token gets one now, and keeps it.
    if (kept.metricsToken) return kept;
    const completed = { ...kept, metricsToken: fresh(32) };
    fs.writeFileSync(file, JSON.stringify(completed, null, 2), { mode: 0o600 });
    return completed;
  }
  const secrets: LocalSecrets = {
    postgresAdminPassword: fresh(18),
    postgresHubPassword: fresh(18),
    postgresMlflowPassword: fresh(18),
    s3AccessKey: `hub${randomBytes(6).toString("hex")}`,
    s3SecretKey: fresh(24),
    authSecret: fresh(32),
    gitlabClientId: `mlflow-hub-local-${randomBytes(4).toString("hex")}`,
    gitlabClientSecret: fresh(24),
    metricsToken: fresh(32),
  };
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
