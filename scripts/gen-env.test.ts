import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../lib/config.ts";
import { readConfig as readStandInConfig } from "../infra/gitlab-dev/config.ts";
import { envFileNames, interpolateTree, loadCompose, parseEnvFile, readRepoFile, REPO_ROOT, secretNames } from "../infra/compose/compose-file.ts";
import { sourceWithSh } from "./sh-source.ts";

const example = readRepoFile(".env.example");
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gen-env-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function genEnv(args: string[], file = path.join(dir, ".env")) {
  const run = spawnSync("sh", [path.join(REPO_ROOT, "scripts", "gen-env.sh"), ...args], { encoding: "utf8", env: { ...process.env, ENV_FILE: file } });
  return { ...run, file, env: fs.existsSync(file) ? parseEnvFile(fs.readFileSync(file, "utf8")) : undefined };
}

describe("scripts/gen-env.sh", () => {
  it("writes every variable of .env.example, in order, readable by its owner only", () => {
    const { status, file } = genEnv(["mlflow.example.org"]);
    expect(status).toBe(0);
    expect(envFileNames(fs.readFileSync(file, "utf8"))).toEqual(envFileNames(example));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("fills every secret with a fresh random value, different on each run", () => {
    const first = genEnv(["--demo", "mlflow.example.org"]).env!;
    const second = genEnv(["--demo", "mlflow.example.org"], path.join(dir, "second.env")).env!;
    for (const name of secretNames(example)) {
      expect(first[name], name).toMatch(/^[0-9a-f]{48,}$/);
      expect(first[name], name).not.toBe(second[name]);
    }
  });

  it("makes a GitLab webhook secret too, which is optional in compose but ready to paste into GitLab", () => {
    const first = genEnv(["mlflow.example.org"]).env!;
    const second = genEnv(["mlflow.example.org"], path.join(dir, "second.env")).env!;
    expect(first.GITLAB_WEBHOOK_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(first.GITLAB_WEBHOOK_SECRET).not.toBe(second.GITLAB_WEBHOOK_SECRET);
  });

  it("writes a fresh METRICS_TOKEN, which compose does not require, so /metrics needs one from the start", () => {
    const first = genEnv(["mlflow.example.org"]).env!;
    const second = genEnv(["mlflow.example.org"], path.join(dir, "second.env")).env!;
    expect(first.METRICS_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(first.METRICS_TOKEN).not.toBe(second.METRICS_TOKEN);
    expect(parseConfig({ ...first, AUTH_URL: "https://mlflow.example.org", DATABASE_URL: "postgresql://h@p/hub", MLFLOW_URL: "http://mlflow:5000", S3_ENDPOINT: "http://minio:9000", S3_ACCESS_KEY: "k", GITLAB_CLIENT_ID: "c", GITLAB_CLIENT_SECRET: "s", S3_BUCKET: "mlflow-artifacts" }).METRICS_TOKEN).toBe(first.METRICS_TOKEN);
  });

  it.each([[[]], [["--demo"]]])("writes a file sh sources (set -a; . ./.env) to the values compose's parser reads, options %j", (options) => {
    const { status, file, env } = genEnv([...options, "--acme-email", "ops@example.org", "mlflow.example.org"]);
    expect(status).toBe(0);
    const sourced = sourceWithSh(file);
    const names = envFileNames(fs.readFileSync(file, "utf8"));
    expect(Object.fromEntries(names.map((n) => [n, sourced[n]]))).toEqual(env);
    expect(sourced.MLFLOW_GC_SCHEDULE).toBe("0 3 * * 0");
  });

  it("refuses an ACME e-mail it could not write literally, or that is not one", () => {
    for (const email of ["ops'@example.org", "ops @example.org", "ops", "@example.org"]) {
      const { status, stderr, env } = genEnv(["--acme-email", email, "mlflow.example.org"]);
      expect(status, email).toBe(2);
      expect(stderr, email).toContain("is not an e-mail address");
      expect(env).toBeUndefined();
    }
  });

  it("writes a fresh TOKEN_ENCRYPTION_KEY that compose gives the hub and its migrations, and the hub accepts", () => {
    const first = genEnv(["--demo", "mlflow.example.org"]).env!;
    const second = genEnv(["--demo", "mlflow.example.org"], path.join(dir, "second.env")).env!;
    expect(first.TOKEN_ENCRYPTION_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.TOKEN_ENCRYPTION_KEY).not.toBe(second.TOKEN_ENCRYPTION_KEY);
    const { services } = interpolateTree(loadCompose(), first);
    expect(parseConfig(services.hub.environment!).TOKEN_ENCRYPTION_KEY).toBe(first.TOKEN_ENCRYPTION_KEY);
    expect(services.migrate.environment).toMatchObject({ TOKEN_ENCRYPTION_KEY: first.TOKEN_ENCRYPTION_KEY, AUTH_SECRET: first.AUTH_SECRET });
  });

  it("refuses to overwrite an existing file", () => {
    const file = path.join(dir, ".env");
    fs.writeFileSync(file, "AUTH_SECRET=keep-me\n");
    const { status, stderr } = genEnv(["mlflow.example.org"], file);
    expect(status).toBe(1);
    expect(stderr).toContain("already exists");
    expect(fs.readFileSync(file, "utf8")).toBe("AUTH_SECRET=keep-me\n");
  });

  it("refuses a host name that is not one", () => {
    const { status, env } = genEnv(["mlflow example.org"]);
    expect(status).toBe(2);
    expect(env).toBeUndefined();
  });

  it("writes a demo .env from which compose gives the hub and the stand-in configurations they accept", () => {
    const { env, stdout } = genEnv(["--demo", "--acme-email", "ops@example.org", "mlflow.example.org"]);
    const { services } = interpolateTree(loadCompose(), env!);
    const config = parseConfig(services.hub.environment!);
    expect(config.AUTH_URL).toBe("https://mlflow.example.org");
    expect(config.GITLAB_URL).toBe("http://mlflow.example.org:3001");
    expect(config.GITLAB_SERVICE_TOKEN).toBe("glpat-hub-service");
    expect(readStandInConfig(services["gitlab-dev"].environment!).application?.clientSecret).toBe(config.GITLAB_CLIENT_SECRET);
    expect(env!.ACME_EMAIL).toBe("ops@example.org");
    expect(stdout).toContain("--profile demo");
  });

  it("leaves the GitLab application to the operator outside the demo, and compose names what is missing", () => {
    const { env, stdout } = genEnv(["mlflow.example.org"]);
    expect([env!.GITLAB_CLIENT_ID, env!.GITLAB_CLIENT_SECRET]).toEqual(["", ""]);
    expect(stdout).toContain("callback https://mlflow.example.org/api/auth/callback/gitlab");
    expect(() => interpolateTree(loadCompose(), env!)).toThrow(/required variable GITLAB_CLIENT_(ID|SECRET) is missing a value/);
  });
});
