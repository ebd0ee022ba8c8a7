import { describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import { MASK, maskUrlCredentials, settingsView } from "./settings";

const env = {
  AUTH_URL: "http://localhost:3000",
  AUTH_SECRET: "a-very-secret-value-of-at-least-32-chars",
  DATABASE_URL: "postgresql://hub:hub-db-pass@127.0.0.1:5433/hub",
  GITLAB_URL: "https://gitlab.example.com",
  GITLAB_CLIENT_ID: "client-id",
  GITLAB_CLIENT_SECRET: "client-secret-value",
  GITLAB_SERVICE_TOKEN: "glpat-service-token",
  MLFLOW_URL: "http://127.0.0.1:5001",
  MLFLOW_DATABASE_URL: "postgresql://mlflow:mlflow-db-pass@127.0.0.1:5433/mlflow?sslmode=disable",
  S3_ENDPOINT: "http://127.0.0.1:9000",
  S3_ACCESS_KEY: "s3-access-key-id",
  S3_SECRET_KEY: "s3-secret-value",
  S3_BUCKET: "mlflow-artifacts",
  MANDATORY_TOPICS: "",
  HUB_ADMINS: "maya,bob",
  TOKEN_ENCRYPTION_KEY: "tokenKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  TOKEN_ENCRYPTION_OLD_KEYS: "oldTokenKeyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

describe("settingsView", () => {
  const rows = settingsView(parseConfig(env), env);
  const row = (name: string) => rows.find((r) => r.name === name)!;

  it("never shows a secret, a token or a password inside a URL", () => {
    const shown = JSON.stringify(rows);
    for (const secret of ["a-very-secret-value", "client-secret-value", "glpat-service-token", "s3-secret-value", "s3-access-key-id", "hub-db-pass", "mlflow-db-pass", "tokenKeyAAAA", "oldTokenKeyAAAA"]) expect(shown).not.toContain(secret);
    expect(row("S3_ACCESS_KEY")).toMatchObject({ value: MASK, secret: true });
    expect(row("TOKEN_ENCRYPTION_KEY").value).toBe(MASK);
    expect(row("TOKEN_ENCRYPTION_OLD_KEYS").value).toBe(MASK);
    expect(row("AUTH_SECRET")).toMatchObject({ value: MASK, secret: true, source: "environment" });
    expect(row("GITLAB_SERVICE_TOKEN").value).toBe(MASK);
    expect(row("DATABASE_URL").value).toBe(`postgresql://hub:${MASK}@127.0.0.1:5433/hub`);
    expect(row("MLFLOW_DATABASE_URL").value).toBe(`postgresql://mlflow:${MASK}@127.0.0.1:5433/mlflow?sslmode=disable`);
  });

  it("shows ordinary settings as they are", () => {
    expect(row("GITLAB_CLIENT_ID").value).toBe("client-id");
    expect(row("HUB_ADMINS").value).toBe("maya,bob");
  });

  it("tells a value from the environment, a default, and a setting left unset", () => {
    expect(row("S3_BUCKET").source).toBe("environment");
    expect(row("PROJECT_CACHE_TIMEOUT")).toMatchObject({ source: "default", value: "30" });
    expect(row("MANDATORY_TOPICS").source).toBe("default");
    const without = settingsView(parseConfig({ ...env, GITLAB_SERVICE_TOKEN: undefined }), { ...env, GITLAB_SERVICE_TOKEN: undefined }, ["GITLAB_SERVICE_TOKEN"]);
    expect(without[0]).toMatchObject({ source: "not set", value: "" });
  });
});

describe("maskUrlCredentials", () => {
  it("hides passwords in userinfo and in query parameters, keeps the user", () => {
    expect(maskUrlCredentials("postgres://u:p%40ss@h/db")).toBe(`postgres://u:${MASK}@h/db`);
    expect(maskUrlCredentials("postgresql://h/db?user=u&password=hunter2&sslmode=require")).toBe(`postgresql://h/db?user=u&password=${MASK}&sslmode=require`);
    expect(maskUrlCredentials("https://gitlab.example.com/path:with@sign")).toBe("https://gitlab.example.com/path:with@sign");
    expect(maskUrlCredentials("http://user@host")).toBe("http://user@host");
  });
});
