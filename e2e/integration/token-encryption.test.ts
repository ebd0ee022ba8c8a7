import { spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { configSchema, parseTokenKeyConfig } from "../../lib/config.ts";
import { openAccountToken, TOKEN_COLUMNS, type AccountIdentity, type TokenColumn } from "../../lib/crypto/account-tokens.ts";
import { keyringFromConfig } from "../../lib/crypto/keyring.ts";
import { tokenKeyring, type TokenKeyring } from "../../lib/crypto/token-cipher.ts";
import { applyMigrations } from "../../lib/db/migrate.ts";
import { startHub } from "../../infra/local/hub.ts";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { PORT_OFFSETS, portsWithOffset } from "../../infra/local/ports.ts";
import { stopService, type Service } from "../../infra/local/proc.ts";
import { signInThroughStandIn } from "../shared/gitlab-sign-in.ts";

// Issue #11: GitLab's OAuth tokens sat in plaintext in the hub's database, so anyone
// who read a backup or the accounts table could act in GitLab as every user.
//
// The shared stack proves what a sign-in and a refresh store. The upgrade and the
// rotation run on a scratch database with a second hub of their own (only a hub:
// the shared stack's GitLab, MLflow and MinIO), restarted with each key setting.

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite through scripts/test (it starts the stack and exports its environment)`);
  return value;
}

const DEMO_PASSWORD = "mlflow-hub-demo";
const PROJECT = "ml-team/flood-detection";
const SECOND_HUB_PORT = portsWithOffset(PORT_OFFSETS.tokenEncryption).hub;
const LOG_DIR = path.join(REPO_ROOT, ".local", "test-token-encryption", "logs");
const newKey = () => randomBytes(32).toString("base64url");

type AccountRow = { id: string; user_id: string; type: string; provider: string; provider_account_id: string; expires_at: number | null } & Record<TokenColumn, string | null>;

async function query<R extends pg.QueryResultRow>(databaseUrl: string, sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

const accountOf = async (databaseUrl: string, email: string) =>
  (await query<AccountRow>(databaseUrl, "select a.* from accounts a join users u on u.id = a.user_id where u.email = $1 and a.provider = 'gitlab'", [email]))[0];
const identity = (row: AccountRow): AccountIdentity => ({ provider: row.provider, providerAccountId: row.provider_account_id });
const opened = (ring: TokenKeyring, row: AccountRow, column: TokenColumn) => openAccountToken(ring, identity(row), column, row[column]!);

/** The shared stack hub's own keys, from the environment scripts/test exports. */
const stackKeys = () => keyringFromConfig(parseTokenKeyConfig(process.env));

const gitlabUser = async (token: string) => {
  const res = await fetch(`${env("GITLAB_URL")}/api/v4/user`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, username: res.ok ? ((await res.json()) as { username: string }).username : undefined };
};

const cookie = (sessionToken: string) => ({ cookie: `authjs.session-token=${sessionToken}` });

async function throughGateway(hubUrl: string, sessionToken: string) {
  const res = await fetch(`${hubUrl}/mlflow/${PROJECT}/tracking/api/2.0/mlflow/experiments/search?max_results=1`, { headers: cookie(sessionToken) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as { error_code?: string } };
}

async function dashboardPage(hubUrl: string, sessionToken: string) {
  const res = await fetch(`${hubUrl}/projects/${PROJECT}`, { headers: cookie(sessionToken), redirect: "manual" });
  // The role badge: the page asked GitLab for the viewer's role with their token.
  const role = /data-testid="role-badge"[^>]*>([A-Za-z]+)</.exec(await res.text())?.[1];
  return { status: res.status, location: res.headers.get("location") ?? "", role };
}

/** A new browser session for the user: the gateway's session cache never answers for it, so each check reads the row. */
async function newSession(databaseUrl: string, userId: string): Promise<string> {
  const token = randomBytes(24).toString("hex");
  await query(databaseUrl, "insert into sessions (id, session_token, user_id, expires) values ($1, $2, $3, now() + interval '1 hour')", [randomUUID(), token, userId]);
  return token;
}

function dbMigrate(databaseUrl: string, keys: { TOKEN_ENCRYPTION_KEY?: string; TOKEN_ENCRYPTION_OLD_KEYS?: string }) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/db-migrate.ts"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, AUTH_SECRET: env("AUTH_SECRET"), NODE_ENV: "production", ...keys },
  });
  expect(run.status, run.stderr + run.stdout).toBe(0);
  return run.stdout;
}

const expectSealedWith = (row: AccountRow, ring: TokenKeyring) => {
  for (const column of TOKEN_COLUMNS) expect(row[column], column).toMatch(new RegExp(`^enc:v1:${ring.current.id.replace(/[-]/g, "\\-")}:[A-Za-z0-9_-]+$`));
};

describe("GitLab tokens at rest, on the shared stack", () => {
  it("a real sign-in through GitLab stores no token in plaintext, and the session works on the gateway and the dashboard", async () => {
    const hub = env("AUTH_URL");
    const { sessionToken } = await signInThroughStandIn(hub, "dave", DEMO_PASSWORD);
    const row = await accountOf(env("DATABASE_URL"), "dave@example.com");
    expectSealedWith(row, stackKeys());
    const access = opened(stackKeys(), row, "access_token").value;
    expect(await gitlabUser(access)).toEqual({ status: 200, username: "dave" });
    for (const column of TOKEN_COLUMNS) expect(JSON.stringify(row)).not.toContain(opened(stackKeys(), row, column).value);
    expect(opened(stackKeys(), row, "id_token").value.split(".")).toHaveLength(3);

    expect((await throughGateway(hub, sessionToken)).status).toBe(200);
    const page = await dashboardPage(hub, sessionToken);
    expect(page).toMatchObject({ status: 200, role: "Guest" });
  });

  it("a refresh stores the new tokens sealed, and they are the ones GitLab now accepts", async () => {
    const hub = env("AUTH_URL");
    const db = env("DATABASE_URL");
    await signInThroughStandIn(hub, "dave", DEMO_PASSWORD);
    const before = await accountOf(db, "dave@example.com");
    const oldAccess = opened(stackKeys(), before, "access_token").value;
    const oldRefresh = opened(stackKeys(), before, "refresh_token").value;
    await query(db, "update accounts set expires_at = $1 where id = $2", [Math.floor(Date.now() / 1000) - 10, before.id]);

    expect((await throughGateway(hub, await newSession(db, before.user_id))).status).toBe(200);
    const after = await accountOf(db, "dave@example.com");
    expect(after.expires_at).toBeGreaterThan(Math.floor(Date.now() / 1000));
    expect(after.access_token).toMatch(new RegExp(`^enc:v1:${stackKeys().current.id}:`));
    expect(after.refresh_token).toMatch(new RegExp(`^enc:v1:${stackKeys().current.id}:`));
    const newAccess = opened(stackKeys(), after, "access_token").value;
    expect(newAccess).not.toBe(oldAccess);
    expect(opened(stackKeys(), after, "refresh_token").value).not.toBe(oldRefresh);
    expect(await gitlabUser(newAccess)).toEqual({ status: 200, username: "dave" });
    expect((await gitlabUser(oldAccess)).status).toBe(401);
  });
});

describe("GitLab tokens at rest, across an upgrade and a key rotation", () => {
  const created: string[] = [];
  let scratchUrl: string;
  let hub: Service | undefined;
  const secondHub = `http://localhost:${SECOND_HUB_PORT}`;
  /** What the upgrade test leaves for the rotation: the key it sealed with, the user and the tokens in plaintext. */
  const upgrade = { key: "", userId: "", plain: {} as Record<TokenColumn, string> };

  /** The second hub on the scratch database, with these keys; the rest of its configuration is the shared stack's. */
  async function restartHub(keys: { TOKEN_ENCRYPTION_KEY?: string; TOKEN_ENCRYPTION_OLD_KEYS?: string }) {
    if (hub) await stopService(hub);
    const shared = Object.fromEntries(Object.keys(configSchema.shape).flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
    delete shared.TOKEN_ENCRYPTION_KEY;
    delete shared.TOKEN_ENCRYPTION_OLD_KEYS;
    hub = await startHub({ logDir: LOG_DIR, port: SECOND_HUB_PORT, mode: "prod", env: { ...shared, ...keys, DATABASE_URL: scratchUrl, AUTH_URL: secondHub } });
  }

  // Made by the first test that needs it, so a run without the stack's environment fails each test with that message.
  let scratch: Promise<void> | undefined;
  const scratchDatabase = () =>
    (scratch ??= (async () => {
      fs.rmSync(LOG_DIR, { recursive: true, force: true });
      const name = `hub_tokens_test_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
      await query(env("POSTGRES_ADMIN_URL"), `create database "${name}"`);
      created.push(name);
      const url = new URL(env("POSTGRES_ADMIN_URL"));
      url.pathname = `/${name}`;
      scratchUrl = url.toString();
      // The schema as the release before encryption left it: Prisma's migrations only.
      await applyMigrations({ databaseUrl: scratchUrl });
    })());

  afterAll(async () => {
    if (hub) await stopService(hub);
    for (const name of created) await query(process.env.POSTGRES_ADMIN_URL!, `drop database if exists "${name}" with (force)`);
  });

  it("db:migrate seals tokens stored in plaintext, and the sessions made before it keep working", async () => {
    await scratchDatabase();
    // Erin's real GitLab tokens, stored as a hub before this change stored them.
    await signInThroughStandIn(env("AUTH_URL"), "erin", DEMO_PASSWORD);
    const live = await accountOf(env("DATABASE_URL"), "erin@example.com");
    const plain = Object.fromEntries(TOKEN_COLUMNS.map((c) => [c, opened(stackKeys(), live, c).value])) as Record<TokenColumn, string>;
    const userId = randomUUID();
    await query(scratchUrl, "insert into users (id, name, email) values ($1, 'Erin', 'erin@example.com')", [userId]);
    await query(
      scratchUrl,
      "insert into accounts (id, user_id, type, provider, provider_account_id, access_token, refresh_token, id_token, expires_at) values ($1, $2, $3, 'gitlab', $4, $5, $6, $7, $8)",
      [randomUUID(), userId, live.type, live.provider_account_id, plain.access_token, plain.refresh_token, plain.id_token, live.expires_at],
    );
    const key = newKey();
    Object.assign(upgrade, { key, userId, plain });
    const ring = tokenKeyring({ authSecret: env("AUTH_SECRET"), current: key });
    await restartHub({ TOKEN_ENCRYPTION_KEY: key });
    const beforeUpgrade = await newSession(scratchUrl, userId);
    expect((await throughGateway(secondHub, beforeUpgrade)).status).toBe(200);

    const out = dbMigrate(scratchUrl, { TOKEN_ENCRYPTION_KEY: key });
    expect(out).toContain(`tokens: 3 sealed from plaintext, 0 re-sealed from older keys, in 1 accounts, with key ${ring.current.id}`);
    const row = await accountOf(scratchUrl, "erin@example.com");
    expectSealedWith(row, ring);
    for (const column of TOKEN_COLUMNS) expect(opened(ring, row, column).value).toBe(plain[column]);

    const page = await dashboardPage(secondHub, beforeUpgrade);
    expect(page).toMatchObject({ status: 200, role: "Planner" });
    expect((await throughGateway(secondHub, await newSession(scratchUrl, userId))).status).toBe(200);

    // Idempotent: a second run changes nothing.
    expect(dbMigrate(scratchUrl, { TOKEN_ENCRYPTION_KEY: key })).toContain("tokens: 0 sealed from plaintext, 0 re-sealed from older keys, in 0 accounts");
    expect(await accountOf(scratchUrl, "erin@example.com")).toEqual(row);
  });

  it("rotation: the old key's tokens open while it is in TOKEN_ENCRYPTION_OLD_KEYS, db:migrate re-seals them with the new key, and then the old key can go", async () => {
    await scratchDatabase();
    const [oldKey, key] = [upgrade.key, newKey()];
    const [oldRing, ring] = [oldKey, key].map((k) => tokenKeyring({ authSecret: env("AUTH_SECRET"), current: k }));
    await restartHub({ TOKEN_ENCRYPTION_KEY: key, TOKEN_ENCRYPTION_OLD_KEYS: oldKey });
    expectSealedWith(await accountOf(scratchUrl, "erin@example.com"), oldRing);
    const duringRotation = await newSession(scratchUrl, upgrade.userId);
    expect((await throughGateway(secondHub, duringRotation)).status).toBe(200);

    const out = dbMigrate(scratchUrl, { TOKEN_ENCRYPTION_KEY: key, TOKEN_ENCRYPTION_OLD_KEYS: oldKey });
    expect(out).toContain(`tokens: 0 sealed from plaintext, 3 re-sealed from older keys, in 1 accounts, with key ${ring.current.id}`);
    const row = await accountOf(scratchUrl, "erin@example.com");
    expectSealedWith(row, ring);
    for (const column of TOKEN_COLUMNS) expect(opened(ring, row, column).value).toBe(upgrade.plain[column]);

    await restartHub({ TOKEN_ENCRYPTION_KEY: key });
    expect((await throughGateway(secondHub, duringRotation)).status).toBe(200);
    const page = await dashboardPage(secondHub, await newSession(scratchUrl, upgrade.userId));
    expect(page).toMatchObject({ status: 200, role: "Planner" });
  });

  it("a token no configured key opens means signing in again, on the gateway and the dashboard, never an error; the log names the account, not the token", async () => {
    await scratchDatabase();
    // The hub runs with the key from before the rotation only: the row's key is one it lacks.
    await restartHub({ TOKEN_ENCRYPTION_KEY: upgrade.key });
    const gateway = await throughGateway(secondHub, await newSession(scratchUrl, upgrade.userId));
    expect(gateway).toMatchObject({ status: 401, body: { error_code: "UNAUTHENTICATED" } });
    const page = await dashboardPage(secondHub, await newSession(scratchUrl, upgrade.userId));
    expect([page.status, page.location]).toEqual([307, expect.stringContaining("/signin")]);

    const row = await accountOf(scratchUrl, "erin@example.com");
    const log = fs.readFileSync(path.join(LOG_DIR, "hub.log"), "utf8");
    expect(log).toContain("a stored GitLab token could not be decrypted");
    expect(log).toContain(row.id);
    for (const column of TOKEN_COLUMNS) {
      expect(log).not.toContain(upgrade.plain[column]);
      expect(log).not.toContain(row[column]!.split(":")[3]);
    }

    // The migration leaves what it cannot open as it is and says which key it needs.
    const out = dbMigrate(scratchUrl, { TOKEN_ENCRYPTION_KEY: upgrade.key });
    expect(out).toContain(`warning: 3 tokens open with no configured key (3 of key ${row.access_token!.split(":")[2]})`);
    expect(await accountOf(scratchUrl, "erin@example.com")).toEqual(row);
  });
});
