import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { ConfigError, parseConfig, parseTokenKeyConfig } from "./config";

const valid = {
  AUTH_URL: "http://localhost:3000",
  AUTH_SECRET: "s".repeat(40),
  DATABASE_URL: "postgresql://hub:pw@127.0.0.1:5433/hub",
  GITLAB_URL: "https://gitlab.example.com/",
  GITLAB_CLIENT_ID: "client",
  GITLAB_CLIENT_SECRET: "secret",
  MLFLOW_URL: "http://127.0.0.1:5001/",
  S3_ENDPOINT: "http://127.0.0.1:9000",
  S3_ACCESS_KEY: "key",
  S3_SECRET_KEY: "secret",
  S3_BUCKET: "mlflow-artifacts",
};

const errorOf = (env: Record<string, string | undefined>) => {
  try {
    parseConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected the configuration to be refused");
};

describe("config", () => {
  it("accepts a complete environment and fills the defaults", () => {
    const c = parseConfig(valid);
    expect(c.S3_REGION).toBe("us-east-1");
    expect(c.LOG_LEVEL).toBe("info");
    expect(c.GITLAB_SERVICE_TOKEN).toBeUndefined();
  });

  it("drops trailing slashes from base URLs so paths can be appended", () => {
    const c = parseConfig(valid);
    expect(c.GITLAB_URL).toBe("https://gitlab.example.com");
    expect(c.MLFLOW_URL).toBe("http://127.0.0.1:5001");
  });

  it("names a missing variable in a single line", () => {
    const message = errorOf({ ...valid, GITLAB_CLIENT_SECRET: undefined });
    expect(message).toContain("GITLAB_CLIENT_SECRET");
    expect(message).not.toContain("\n");
  });

  it("treats an empty value as missing", () => {
    expect(errorOf({ ...valid, DATABASE_URL: "" })).toMatch(/DATABASE_URL is required/);
  });

  it("refuses a short AUTH_SECRET and says how to make one", () => {
    expect(errorOf({ ...valid, AUTH_SECRET: "short" })).toMatch(/AUTH_SECRET must be at least 32 characters.*openssl rand/);
  });

  it("leaves GitLab webhooks off without GITLAB_WEBHOOK_SECRET, and refuses one too short to be a secret", () => {
    expect(parseConfig(valid).GITLAB_WEBHOOK_SECRET).toBeUndefined();
    expect(parseConfig({ ...valid, GITLAB_WEBHOOK_SECRET: "w".repeat(24) }).GITLAB_WEBHOOK_SECRET).toBe("w".repeat(24));
    expect(errorOf({ ...valid, GITLAB_WEBHOOK_SECRET: "hunter2" })).toMatch(/GITLAB_WEBHOOK_SECRET must be at least 24 characters \(openssl rand -hex 32\)/);
  });

  it("refuses a non-http GITLAB_URL", () => {
    expect(errorOf({ ...valid, GITLAB_URL: "ftp://gitlab" })).toMatch(/GITLAB_URL must be an http\(s\) URL/);
  });

  it("refuses a database URL that is not Postgres", () => {
    expect(errorOf({ ...valid, DATABASE_URL: "mysql://x" })).toMatch(/DATABASE_URL must be a postgresql:\/\/ URL/);
  });

  it("refuses an unknown log level", () => {
    expect(errorOf({ ...valid, LOG_LEVEL: "loud" })).toContain("LOG_LEVEL");
  });

  it("reads the gateway settings with their defaults", () => {
    const c = parseConfig(valid);
    expect(c.PROJECT_CACHE_TIMEOUT).toBe(30);
    expect(c.DELETE_MIN_ACCESS_LEVEL).toBe("developer");
    expect(c.MANDATORY_TOPICS).toEqual([]);
  });

  it("splits mandatory topics and accepts a role name in any case for the delete floor", () => {
    const c = parseConfig({ ...valid, MANDATORY_TOPICS: "sharinghub:aimodel, ml ,", DELETE_MIN_ACCESS_LEVEL: "Maintainer", PROJECT_CACHE_TIMEOUT: "5" });
    expect(c.MANDATORY_TOPICS).toEqual(["sharinghub:aimodel", "ml"]);
    expect(c.DELETE_MIN_ACCESS_LEVEL).toBe("maintainer");
    expect(c.PROJECT_CACHE_TIMEOUT).toBe(5);
  });

  it("refuses a delete floor below Developer", () => {
    expect(errorOf({ ...valid, DELETE_MIN_ACCESS_LEVEL: "reporter" })).toMatch(/DELETE_MIN_ACCESS_LEVEL must be developer, maintainer or owner/);
  });

  it("caps project tokens at a year unless told otherwise, and refuses a cap that is not whole days", () => {
    expect(parseConfig(valid).PROJECT_TOKEN_MAX_DAYS).toBe(365);
    expect(parseConfig({ ...valid, PROJECT_TOKEN_MAX_DAYS: "30" }).PROJECT_TOKEN_MAX_DAYS).toBe(30);
    expect(errorOf({ ...valid, PROJECT_TOKEN_MAX_DAYS: "1.5" })).toContain("PROJECT_TOKEN_MAX_DAYS must be a whole number of days");
    expect(errorOf({ ...valid, PROJECT_TOKEN_MAX_DAYS: "0" })).toContain("PROJECT_TOKEN_MAX_DAYS");
  });

  it("refuses a cache timeout that is not a number", () => {
    expect(errorOf({ ...valid, PROJECT_CACHE_TIMEOUT: "soon" })).toContain("PROJECT_CACHE_TIMEOUT");
  });

  it("garbage-collects weekly what was deleted over 30 days ago unless told otherwise", () => {
    const c = parseConfig(valid);
    expect(c.MLFLOW_GC_SCHEDULE).toBe("0 3 * * 0");
    expect(c.MLFLOW_GC_OLDER_THAN).toBe("30d");
    expect(c.MLFLOW_DATABASE_URL).toBeUndefined();
    expect(parseConfig({ ...valid, MLFLOW_GC_OLDER_THAN: "1d12h", MLFLOW_GC_SCHEDULE: "*/15 1-5 * * 1,3" })).toMatchObject({ MLFLOW_GC_OLDER_THAN: "1d12h", MLFLOW_GC_SCHEDULE: "*/15 1-5 * * 1,3" });
  });

  it("refuses a GC age mlflow gc would not parse and a schedule that is not five cron fields", () => {
    expect(errorOf({ ...valid, MLFLOW_GC_OLDER_THAN: "30 days" })).toMatch(/MLFLOW_GC_OLDER_THAN must be a duration such as 30d/);
    expect(errorOf({ ...valid, MLFLOW_GC_OLDER_THAN: "d" })).toContain("MLFLOW_GC_OLDER_THAN");
    expect(errorOf({ ...valid, MLFLOW_GC_SCHEDULE: "weekly" })).toMatch(/MLFLOW_GC_SCHEDULE must be a cron schedule of five fields/);
    expect(errorOf({ ...valid, MLFLOW_DATABASE_URL: "mysql://mlflow@db/mlflow" })).toContain("MLFLOW_DATABASE_URL must be a postgresql:// URL");
  });

  it("reads HUB_ADMINS as lower-case GitLab usernames and refuses anything else", () => {
    expect(parseConfig(valid).HUB_ADMINS).toEqual([]);
    expect(parseConfig({ ...valid, HUB_ADMINS: " Maya, @bob ,," }).HUB_ADMINS).toEqual(["maya", "bob"]);
    expect(errorOf({ ...valid, HUB_ADMINS: "maya;bob" })).toMatch(/HUB_ADMINS must be GitLab usernames separated by commas/);
  });

  it("sends every artifact byte through the hub unless the store's public endpoint is given", () => {
    expect(parseConfig(valid).S3_PUBLIC_URL).toBeUndefined();
    expect(parseConfig({ ...valid, S3_PUBLIC_URL: "" }).S3_PUBLIC_URL).toBeUndefined();
    expect(parseConfig({ ...valid, S3_PUBLIC_URL: "https://s3.mlflow.example.com/" }).S3_PUBLIC_URL).toBe("https://s3.mlflow.example.com");
    expect(parseConfig({ ...valid, S3_PUBLIC_URL: "https://S3.Example.com:443" }).S3_PUBLIC_URL).toBe("https://s3.example.com");
    expect(parseConfig({ ...valid, S3_PUBLIC_URL: "http://localhost:10200" }).S3_PUBLIC_URL).toBe("http://localhost:10200");
  });

  // Presigned URLs name no path before the bucket, and carry no credentials of their own.
  it.each([["https://mlflow.example.com/s3"], ["https://s3.example.com/?x=1"], ["https://key:secret@s3.example.com"], ["s3://bucket"]])("refuses S3_PUBLIC_URL %s", (value) => {
    expect(errorOf({ ...valid, S3_PUBLIC_URL: value })).toContain("S3_PUBLIC_URL must be");
  });

  it("trusts no proxy's X-Forwarded-For unless TRUSTED_PROXIES names it", () => {
    expect(parseConfig(valid).TRUSTED_PROXIES).toEqual([]);
    expect(parseConfig({ ...valid, TRUSTED_PROXIES: " 172.16.0.0/12, 10.0.0.7 ,loopback,fd00::/8" }).TRUSTED_PROXIES).toEqual(["172.16.0.0/12", "10.0.0.7", "loopback", "fd00::/8"]);
  });

  it.each([["traefik"], ["10.0.0.0/33"], ["*"]])("refuses TRUSTED_PROXIES %s", (value) => {
    expect(errorOf({ ...valid, TRUSTED_PROXIES: value })).toContain("TRUSTED_PROXIES must be IP addresses or CIDR ranges");
  });

  it("gives the gateway's limits defaults and refuses turning them off", () => {
    const c = parseConfig(valid);
    expect([c.GATEWAY_IDLE_TIMEOUT, c.GATEWAY_MAX_REQUESTS, c.GATEWAY_MAX_REQUESTS_PER_CLIENT, c.GATEWAY_LOOKUPS_PER_MINUTE, c.GATEWAY_AUTH_FAILURES_PER_MINUTE]).toEqual([30, 512, 64, 300, 30]);
    expect(errorOf({ ...valid, GATEWAY_IDLE_TIMEOUT: "0" })).toContain("GATEWAY_IDLE_TIMEOUT");
    expect(errorOf({ ...valid, GATEWAY_MAX_REQUESTS_PER_CLIENT: "1.5" })).toContain("GATEWAY_MAX_REQUESTS_PER_CLIENT must be a whole number");
  });

  it("takes a 32-byte TOKEN_ENCRYPTION_KEY and old keys for a rotation, and runs without them (a key derived from AUTH_SECRET)", () => {
    const [key, old1, old2] = [randomBytes(32).toString("base64"), randomBytes(32).toString("base64url"), randomBytes(32).toString("base64")];
    expect(parseConfig(valid).TOKEN_ENCRYPTION_KEY).toBeUndefined();
    expect(parseConfig(valid).TOKEN_ENCRYPTION_OLD_KEYS).toEqual([]);
    expect(parseConfig({ ...valid, TOKEN_ENCRYPTION_KEY: "" }).TOKEN_ENCRYPTION_KEY).toBeUndefined();
    expect(parseConfig({ ...valid, TOKEN_ENCRYPTION_KEY: key, TOKEN_ENCRYPTION_OLD_KEYS: ` ${old1}, ${old2} ,` })).toMatchObject({ TOKEN_ENCRYPTION_KEY: key, TOKEN_ENCRYPTION_OLD_KEYS: [old1, old2] });
  });

  it("refuses a token encryption key that is not 32 bytes of base64, says how to make one, and never repeats it", () => {
    const hex = randomBytes(32).toString("hex");
    const message = errorOf({ ...valid, TOKEN_ENCRYPTION_KEY: hex });
    expect(message).toMatch(/TOKEN_ENCRYPTION_KEY must be 32 random bytes in base64 or base64url \(generate one with: openssl rand -base64 32\)/);
    expect(message).not.toContain(hex);
    const short = randomBytes(16).toString("base64");
    const oldMessage = errorOf({ ...valid, TOKEN_ENCRYPTION_OLD_KEYS: `${randomBytes(32).toString("base64")},${short}` });
    expect(oldMessage).toMatch(/TOKEN_ENCRYPTION_OLD_KEYS must be keys separated by commas/);
    expect(oldMessage).not.toContain(short);
  });

  it("validates the token keys alone for the migration, which has no hub configuration", () => {
    const key = randomBytes(32).toString("base64url");
    expect(parseTokenKeyConfig({ AUTH_SECRET: valid.AUTH_SECRET, TOKEN_ENCRYPTION_KEY: key })).toEqual({ AUTH_SECRET: valid.AUTH_SECRET, TOKEN_ENCRYPTION_KEY: key, TOKEN_ENCRYPTION_OLD_KEYS: [] });
    expect(() => parseTokenKeyConfig({ TOKEN_ENCRYPTION_KEY: key })).toThrow(/AUTH_SECRET is required/);
    expect(() => parseTokenKeyConfig({ AUTH_SECRET: valid.AUTH_SECRET, TOKEN_ENCRYPTION_KEY: "nope" })).toThrow(/^Invalid configuration: TOKEN_ENCRYPTION_KEY must be/);
  });

  it("lists every bad variable at once", () => {
    const message = errorOf({ ...valid, S3_BUCKET: "Not_A_Bucket", MLFLOW_URL: undefined });
    expect(message).toContain("S3_BUCKET");
    expect(message).toContain("MLFLOW_URL");
  });
});
