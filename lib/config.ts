import proxyaddr from "proxy-addr";
import { z } from "zod";
import { isTokenKeyText } from "./crypto/token-cipher";

/** Empty strings in an env file mean "not set": treat them as missing so defaults and "required" work. */
const env = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);

/** MLflow's `--older-than` format (`mlflow gc --help`): days, hours, minutes, seconds, e.g. 30d, 1d12h, 90s. */
export const OLDER_THAN = /^(?=.)(\d+(\.\d+)?d)?(\d+(\.\d+)?h)?(\d+(\.\d+)?m)?(\d+(\.\d+)?s)?$/;

const seconds = z.coerce.number({ error: "must be a number of seconds" }).int("must be a whole number of seconds").min(1);
const count = z.coerce.number({ error: "must be a number" }).int("must be a whole number").min(1).max(1_000_000);
/** proxy-addr's own parser: what it accepts is what the gateway can trust. */
const trustable = (entries: string[]) => {
  try {
    proxyaddr.compile(entries);
    return true;
  } catch {
    return false;
  }
};

const TOKEN_KEY_HINT = "32 random bytes in base64 or base64url (generate one with: openssl rand -base64 32)";

const url = (what: string) => z.url({ protocol: /^https?$/, error: `must be an http(s) URL (${what})` });

/**
 * Every variable the hub reads. `.env.example` lists the same names, each with
 * a comment; a test keeps the two in step.
 */
export const configSchema = z.object({
  AUTH_URL: env(url("the address people use to reach the hub, e.g. https://mlflow.example.com")),
  AUTH_SECRET: env(z.string({ error: "is required (generate one with: openssl rand -base64 33)" }).min(32, "must be at least 32 characters (openssl rand -base64 33)")),
  DATABASE_URL: env(z.string({ error: "is required" }).regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")),
  // GitLab tokens at rest (lib/crypto/token-cipher.ts). Unset: a key derived from AUTH_SECRET (lib/auth/token-keys.ts).
  TOKEN_ENCRYPTION_KEY: env(z.string().trim().refine(isTokenKeyText, `must be ${TOKEN_KEY_HINT}`).optional()),
  // Keys that still open tokens during a rotation, never used to seal.
  TOKEN_ENCRYPTION_OLD_KEYS: env(
    z
      .string()
      .default("")
      .transform((v) => v.split(",").map((k) => k.trim()).filter(Boolean))
      .refine((keys) => keys.every(isTokenKeyText), `must be keys separated by commas, each ${TOKEN_KEY_HINT}`),
  ),
  GITLAB_URL: env(url("the GitLab instance, e.g. https://gitlab.example.com")).transform((u) => u.replace(/\/+$/, "")),
  GITLAB_CLIENT_ID: env(z.string({ error: "is required (the GitLab application's ID)" }).min(1)),
  GITLAB_CLIENT_SECRET: env(z.string({ error: "is required (the GitLab application's secret)" }).min(1)),
  GITLAB_SERVICE_TOKEN: env(z.string().min(1).optional()),
  GITLAB_WEBHOOK_SECRET: env(z.string().min(24, "must be at least 24 characters (openssl rand -hex 32)").optional()),
  MLFLOW_URL: env(url("the internal MLflow server, e.g. http://mlflow:5000")).transform((u) => u.replace(/\/+$/, "")),
  MLFLOW_DATABASE_URL: env(z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL (MLflow's database)").optional()),
  MLFLOW_GC_SCHEDULE: env(
    z
      .string()
      .trim()
      .regex(/^([\d*,/-]+\s+){4}[\d*,/-]+$/, "must be a cron schedule of five fields, e.g. 0 3 * * 0 (Sundays at 03:00)")
      .default("0 3 * * 0"),
  ),
  MLFLOW_GC_OLDER_THAN: env(z.string().regex(OLDER_THAN, "must be a duration such as 30d, 1d12h or 90s").default("30d")),
  S3_ENDPOINT: env(url("the S3/MinIO endpoint, e.g. http://minio:9000")).transform((u) => u.replace(/\/+$/, "")),
  S3_ACCESS_KEY: env(z.string({ error: "is required" }).min(1)),
  S3_SECRET_KEY: env(z.string({ error: "is required" }).min(1)),
  S3_BUCKET: env(z.string({ error: "is required" }).regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be a valid S3 bucket name")),
  S3_REGION: env(z.string().min(1).default("us-east-1")),
  // Presigned URLs sign the host they name (SigV4), and name no path before the bucket: an origin only.
  S3_PUBLIC_URL: env(
    url("the store's endpoint as clients reach it, e.g. https://s3.mlflow.example.com")
      .refine((u) => {
        const p = new URL(u);
        return p.pathname === "/" && !p.search && !p.hash && !p.username && !p.password;
      }, "must be an origin only (scheme, host and port; no path, query or credentials), e.g. https://s3.mlflow.example.com")
      .transform((u) => new URL(u).origin)
      .optional(),
  ),
  PROJECT_CACHE_TIMEOUT: env(z.coerce.number({ error: "must be a number of seconds" }).int().min(0).max(3600).default(30)),
  PROJECT_TOKEN_MAX_DAYS: env(z.coerce.number({ error: "must be a number of days" }).int("must be a whole number of days").min(1).max(3650).default(365)),
  DELETE_MIN_ACCESS_LEVEL: env(
    z
      .enum(["developer", "maintainer", "owner", "Developer", "Maintainer", "Owner"], { error: "must be developer, maintainer or owner" })
      .default("developer")
      .transform((v) => v.toLowerCase() as "developer" | "maintainer" | "owner"),
  ),
  MANDATORY_TOPICS: env(
    z
      .string()
      .default("")
      .transform((v) => v.split(",").map((t) => t.trim()).filter(Boolean)),
  ),
  // The STAC catalog's topic collections (/api/stac): id=topic pairs, e.g. ai-model=sharinghub:aimodel; "none" for none.
  STAC_TOPIC_COLLECTIONS: env(
    z
      .string()
      .default("ai-model=sharinghub:aimodel")
      .transform((v) => (v.trim() === "none" ? [] : v.split(",").map((pair) => pair.trim()).filter(Boolean).map((pair) => {
        const eq = pair.indexOf("=");
        return { id: eq > 0 ? pair.slice(0, eq).trim() : "", topic: eq > 0 ? pair.slice(eq + 1).trim() : "" };
      })))
      .refine(
        (list) => list.every((c) => /^[a-z0-9][a-z0-9-]{0,62}$/.test(c.id) && !/^gitlab-\d+$/.test(c.id) && c.topic.length > 0) && new Set(list.map((c) => c.id)).size === list.length,
        "must be id=topic pairs separated by commas, ids lowercase letters, digits and dashes, unique and not gitlab-<number>, e.g. ai-model=sharinghub:aimodel (or none)",
      ),
  ),
  HUB_ADMINS: env(
    z
      .string()
      .default("")
      .transform((v) => v.split(",").map((u) => u.trim().replace(/^@/, "").toLowerCase()).filter(Boolean))
      .refine((names) => names.every((u) => /^[a-z0-9_.-]+$/.test(u)), "must be GitLab usernames separated by commas, e.g. alice,bob"),
  ),
  // The Bearer token Prometheus sends to /metrics; without one, /metrics answers loopback callers only.
  METRICS_TOKEN: env(z.string().min(32, "must be at least 32 characters (openssl rand -hex 32)").optional()),
  LOG_LEVEL: env(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
  // The gateway's limits (lib/gateway/limits.ts), per client address unless said otherwise.
  TRUSTED_PROXIES: env(
    z
      .string()
      .default("")
      .transform((v) => v.split(",").map((p) => p.trim()).filter(Boolean))
      .refine(trustable, "must be IP addresses or CIDR ranges separated by commas (or loopback, linklocal, uniquelocal), e.g. 172.16.0.0/12"),
  ),
  // Model serving (lib/serving/): the serving supervisor's control API and the secret it answers the hub with.
  SERVING_URL: env(url("the serving runtime's internal address, e.g. http://serving:5002").transform((u) => u.replace(/\/+$/, "")).optional()),
  SERVING_TOKEN: env(z.string().min(32, "must be at least 32 characters (openssl rand -hex 32)").optional()),
  SERVING_IDLE_MINUTES: env(z.coerce.number({ error: "must be a number of minutes" }).int().min(1).max(100_000).default(30)),
  SERVING_MAX_PER_PROJECT: env(count.default(3)),
  SERVING_MAX_ENDPOINTS: env(count.default(20)),
  SERVING_START_WAIT: env(z.coerce.number({ error: "must be a number of seconds" }).int().min(0).max(600).default(30)),
  SERVING_RECONCILE_SECONDS: env(seconds.max(3600).default(15)),
  GATEWAY_IDLE_TIMEOUT: env(seconds.max(3600).default(30)),
  GATEWAY_MAX_REQUESTS: env(count.default(512)),
  GATEWAY_MAX_REQUESTS_PER_CLIENT: env(count.default(64)),
  GATEWAY_LOOKUPS_PER_MINUTE: env(count.default(300)),
  GATEWAY_AUTH_FAILURES_PER_MINUTE: env(count.default(30)),
});

export type Config = z.infer<typeof configSchema>;


export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment; the error is one line naming every bad variable. */
export function parseConfig(source: Record<string, string | undefined>): Config {
  return parseWith(configSchema, source);
}

const tokenKeySchema = configSchema.pick({ AUTH_SECRET: true, TOKEN_ENCRYPTION_KEY: true, TOKEN_ENCRYPTION_OLD_KEYS: true });
export type TokenKeyConfig = z.infer<typeof tokenKeySchema>;

/** Only what sealing GitLab tokens needs, validated as the hub validates it: for the migration, which has no hub configuration. */
export function parseTokenKeyConfig(source: Record<string, string | undefined>): TokenKeyConfig {
  return parseWith(tokenKeySchema, source);
}

function parseWith<T extends z.ZodType>(schema: T, source: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => {
    const name = String(i.path[0] ?? "?");
    const message = i.code === "invalid_type" && source[name] === undefined && !/required/.test(i.message) ? "is required" : i.message;
    return `${name} ${message}`;
  });
  throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
}

let cached: Config | undefined;

/** The configuration, read from the environment once. */
export function config(): Config {
  cached ??= parseConfig(process.env);
  return cached;
}

/**
 * For server start-up: a bad environment stops the process here, with one line
 * naming the variable, instead of failing later on a request.
 */
export function configOrExit(): Config {
  try {
    return config();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    process.exit(1);
  }
}
