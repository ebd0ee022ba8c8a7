// Issue #11: "Revocation takes up to the cache TTL". A signed-out session, a revoked project token or a
// removed member kept working on another hub process for up to 30 s (PROJECT_CACHE_TIMEOUT). Two hub
// processes on one database here: the suite's stack's hub (A) and a second one started from the same
// build and environment (B). Revocations made on A must stop working on B at once.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configSchema } from "../../lib/config.ts";
import { LISTENER_APPLICATION_NAME } from "../../lib/revocation/shared.ts";
import { startHub } from "../../infra/local/hub.ts";
import { bearer, cookie, newSession as newSessionIn, query, refusedWithin, search as searchOn } from "./hub-clients.ts";
import { stopService, type Service } from "../../infra/local/proc.ts";

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite through scripts/test (it starts the stack and exports its environment)`);
  return value;
}

const HUB_A = env("AUTH_URL");
let hubB: string;
let serviceB: Service;
let logDir: string;

/** A loopback port the OS picks as free. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  // The environment hub A runs with (the stack's env file, exported by scripts/test): every variable the hub reads.
  const hubEnv = Object.fromEntries(Object.keys(configSchema.shape).flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])));
  const port = await freePort();
  logDir = fs.mkdtempSync(path.join(os.tmpdir(), "hub-b-"));
  serviceB = await startHub({ logDir, port, mode: "prod", env: hubEnv });
  hubB = `http://127.0.0.1:${port}`;
  await listenersUp(2);
});

afterAll(async () => {
  if (serviceB) await stopService(serviceB);
  if (logDir) fs.rmSync(logDir, { recursive: true, force: true });
});

/** A query on the hub's database (or on `url`). */
const db = <T extends pg.QueryResultRow>(sql: string, values: unknown[] = [], url = env("DATABASE_URL")) => query<T>(url, sql, values);

const listenerPids = async () => (await db<{ pid: number }>("select pid from pg_stat_activity where application_name = $1", [LISTENER_APPLICATION_NAME])).map((r) => r.pid);

/** Until at least `n` hub processes LISTEN, none of them among `old`. */
async function listenersUp(n: number, old: number[] = [], timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = (await listenerPids()).filter((p) => !old.includes(p));
    if (pids.length >= n) return pids;
    if (Date.now() > deadline) throw new Error(`${pids.length} revocation listener(s) connected, wanted ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const newSession = () => newSessionIn(env("DATABASE_URL"), "revocation");

/** An MLflow read through a hub's gateway, sent from that hub's origin as a browser would; the status only. */
const search = (hub: string, headers: Record<string, string>) => searchOn(hub, hub, headers);

/** Auth.js's own sign-out on hub A, as the sign-out button posts it (CSRF token and cookie). */
async function signOutOnA(sessionToken: string) {
  const csrf = await fetch(`${HUB_A}/api/auth/csrf`, { headers: cookie(sessionToken) });
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const csrfCookie = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) => c.includes("authjs.csrf-token"))!;
  const res = await fetch(`${HUB_A}/api/auth/signout`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `authjs.session-token=${sessionToken}; ${csrfCookie}` },
    body: new URLSearchParams({ csrfToken, callbackUrl: HUB_A }),
  });
  expect(res.status).toBe(302);
  expect(await db("select 1 from sessions where session_token = $1", [sessionToken]), "Auth.js deleted the session's row").toEqual([]);
}

const GITLAB = () => env("GITLAB_URL");
/** Membership changes in the GitLab stand-in, as maya (Maintainer of ml-team) makes them through GitLab's API. */
const members = (method: "POST" | "DELETE", path: string) => fetch(`${GITLAB()}/api/v4/projects/101/members${path}`, { method, headers: { "private-token": "glpat-maya-demo" } });
const OSCAR = "glpat-oscar-demo";

function webhook(secret: string, payload: unknown) {
  return fetch(`${HUB_A}/api/gitlab/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gitlab-event": "System Hook", "x-gitlab-token": secret },
    body: JSON.stringify(payload),
  });
}
const oscarRemoved = { event_name: "user_remove_from_team", project_id: 101, project_path_with_namespace: "ml-team/flood-detection", user_id: 7, user_username: "oscar", access_level: "Developer" };

/** Oscar gets a role in flood-detection, hub B caches his grant, then GitLab takes the role away for real. */
async function oscarGrantedOnBThenRemoved() {
  expect((await members("POST", "?user_id=7&access_level=30")).status).toBe(201);
  try {
    expect(await search(hubB, bearer(OSCAR)), "a Developer of the project reads").toBe(200);
  } finally {
    expect((await members("DELETE", "/7")).status).toBe(204);
  }
  expect(await search(hubB, bearer(OSCAR)), "GitLab took the role away, hub B still has the grant cached").toBe(200);
}

describe("revocation on every hub process at once (two hubs, one database)", () => {
  it("a session signed out through Auth.js on hub A is refused on hub B's gateway within a second", async () => {
    const session = await newSession();
    expect(await search(hubB, cookie(session))).toBe(200);
    await signOutOnA(session);
    const ms = await refusedWithin(() => search(hubB, cookie(session)), 401, 1_000);
    console.log(`signed out on A, refused on B after ${ms.toFixed(0)} ms`);
  });

  it("without a notification hub B keeps serving a session whose row is gone, for its cache's 30 s: the bus is what ends it at once", async () => {
    const session = await newSession();
    expect(await search(hubB, cookie(session))).toBe(200);
    await db("delete from sessions where session_token = $1", [session]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await search(hubB, cookie(session))).toBe(200);
    expect(await search(HUB_A, cookie(session)), "hub A never cached it: it reads the database").toBe(401);
  });

  it("a project token revoked on hub A stops working on hub B at once", async () => {
    const session = await newSession();
    const origin = { ...cookie(session), origin: new URL(HUB_A).origin, "content-type": "application/json" };
    const created = await fetch(`${HUB_A}/api/projects/101/tokens`, { method: "POST", headers: origin, body: JSON.stringify({ name: `revocation-${randomUUID()}`, access: "read", days: 1 }) });
    expect(created.status).toBe(201);
    const { token, summary } = (await created.json()) as { token: string; summary: { id: string } };
    expect(await search(hubB, bearer(token))).toBe(200);
    const revoked = await fetch(`${HUB_A}/api/projects/101/tokens/${summary.id}`, { method: "DELETE", headers: origin });
    expect(revoked.status).toBe(200);
    const ms = await refusedWithin(() => search(hubB, bearer(token)), 401, 1_000);
    console.log(`token revoked on A, refused on B after ${ms.toFixed(0)} ms`);
  });

  it("a GitLab webhook with a wrong secret is refused 401 and drops nothing", async () => {
    await oscarGrantedOnBThenRemoved();
    for (const secret of ["wrong", `${env("GITLAB_WEBHOOK_SECRET")}x`, ""]) {
      const res = await webhook(secret, oscarRemoved);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error_code: "UNAUTHENTICATED" });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await search(hubB, bearer(OSCAR)), "the stale grant is still cached: nothing was dropped").toBe(200);
  });

  it("a GitLab webhook for a member's removal, sent to hub A, drops the cached grant on hub B so its next request asks GitLab again", async () => {
    await oscarGrantedOnBThenRemoved();
    const res = await webhook(env("GITLAB_WEBHOOK_SECRET"), oscarRemoved);
    expect(res.status).toBe(200);
    const ms = await refusedWithin(() => search(hubB, bearer(OSCAR)), 404, 1_000);
    console.log(`member removed, webhook on A, refused on B after ${ms.toFixed(0)} ms`);
  });

  it("after Postgres cuts the listeners' connections they reconnect, forget what they may have missed, and events arrive again", async () => {
    const missed = await newSession();
    expect(await search(hubB, cookie(missed))).toBe(200);
    const old = await listenerPids();
    const cut = await db<{ ok: boolean }>("select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1", [LISTENER_APPLICATION_NAME], env("POSTGRES_ADMIN_URL"));
    expect(cut.length).toBeGreaterThanOrEqual(2);
    // Gone while B was not listening, and no notification: B may only learn it by clearing its caches when it reconnects.
    await db("delete from sessions where session_token = $1", [missed]);
    await listenersUp(2, old);
    // The new connection shows in pg_stat_activity a moment before it has LISTENed and cleared.
    await refusedWithin(() => search(hubB, cookie(missed)), 401, 2_000);

    const session = await newSession();
    expect(await search(hubB, cookie(session))).toBe(200);
    await signOutOnA(session);
    const ms = await refusedWithin(() => search(hubB, cookie(session)), 401, 1_000);
    console.log(`after reconnection: signed out on A, refused on B after ${ms.toFixed(0)} ms`);
  });
});
