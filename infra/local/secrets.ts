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
  /** TOKEN_ENCRYPTION_KEY: seals the GitLab tokens the hub stores. */
  tokenEncryptionKey: string;
  gitlabClientId: string;
  gitlabClientSecret: string;
  /** GITLAB_WEBHOOK_SECRET, which tests send as GitLab's X-Gitlab-Token. */
  gitlabWebhookSecret: string;
  metricsToken: string;
  /** SERVING_TOKEN: what the hub sends the serving supervisor. */
  servingToken: string;
}

const fresh = (bytes: number) => randomBytes(bytes).toString("base64url");

/**
 * Secrets are made once per state folder and kept, so a restart reuses the same
 * database passwords, bucket keys and session secret (signed-in sessions survive).
 * A secret added since the folder was made is made and kept then (the token key: the
 * stored tokens, plaintext until then, are sealed by the next migration).
 */
export function loadOrCreateSecrets(dir: string): LocalSecrets {
  const file = path.join(dir, "secrets.json");
  const kept = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LocalSecrets>) : {};
  const made: LocalSecrets = {
    postgresAdminPassword: fresh(18),
    postgresHubPassword: fresh(18),
    postgresMlflowPassword: fresh(18),
    s3AccessKey: `hub${randomBytes(6).toString("hex")}`,
    s3SecretKey: fresh(24),
    authSecret: fresh(32),
    tokenEncryptionKey: fresh(32),
    gitlabClientId: `mlflow-hub-local-${randomBytes(4).toString("hex")}`,
    gitlabClientSecret: fresh(24),
    gitlabWebhookSecret: fresh(32),
    metricsToken: fresh(32),
    servingToken: fresh(32),
  };
  const secrets = { ...made, ...kept };
  if (Object.keys(made).some((k) => !(k in kept))) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
