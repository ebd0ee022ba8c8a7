// Issue #14, part 2: a hub that is safe to replicate. Three hub processes on one database behind a
// real load balancer (Debian's HAProxy: round robin per request, no stickiness, health checks),
// one MLflow with two worker processes. Anything one replica needs from another goes through
// Postgres; these tests prove each item of the issue against that setup.
import { spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import * as Minio from "minio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import playwrightConfig from "../../playwright.config.ts";
import { REPLICA_HEADER } from "../../infra/local/loadbalancer.ts";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { PORT_OFFSETS } from "../../infra/local/ports.ts";
import { hubServiceName, startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";
import { ensureSdkVenv } from "../../infra/local/tools.ts";
import { bearer, bytesRead, cookie, gcWorker, gitlabCalls, newSession, query, refusedWithin, search, until } from "./replicas/helpers.ts";

const OFFSET = PORT_OFFSETS.replicas;
const STATE = path.join(REPO_ROOT, ".local", "test-replicas");
const REPLICAS = 3;
const FLOOD = "ml-team/flood-detection";
/** The size of the upload a replica is killed in the middle of: 1 GiB in the suite; smaller for a quick run. */
const UPLOAD_MB = Number(process.env.REPLICA_UPLOAD_MB ?? 1024);
/** Failed authentications a client address may have per minute, all replicas together (GATEWAY_AUTH_FAILURES_PER_MINUTE). */
const FAILURES_PER_MINUTE = 10;

let stack: Stack;
/** The load balancer: the hub's URL as browsers and the SDK see it. */
let lb: string;
let hubOrigin: string;
/** Each replica directly, under the host name the browser's cookies belong to. */
let direct: string[];
const db = <T extends import("pg").QueryResultRow>(sql: string, values: unknown[] = []) => query<T>(stack.env.DATABASE_URL, sql, values);
const hubPid = (i: number) => stack.services.find((s) => s.name === hubServiceName(i))!.pid;

beforeAll(async () => {
  fs.rmSync(STATE, { recursive: true, force: true });
  process.env.GATEWAY_AUTH_FAILURES_PER_MINUTE = String(FAILURES_PER_MINUTE);
  stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "prod", hubReplicas: REPLICAS, mlflowWorkers: 2 });
  lb = stack.env.AUTH_URL;
  hubOrigin = new URL(lb).origin;
  direct = stack.hubUrls.map((u) => `http://localhost:${new URL(u).port}`);
}, 600_000);
afterAll(() => stopStackAt(STATE));

describe("the replica stack", () => {
  it("spreads consecutive requests over all three hubs (round robin, no stickiness)", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${lb}/api/health`);
      await res.arrayBuffer();
      seen.add(res.headers.get(REPLICA_HEADER) ?? "none");
    }
    expect([...seen].sort()).toEqual(["hub-1", "hub-2", "hub-3"]);
  });
});

describe("a browser session across replicas (Chromium, signed in through the load balancer)", () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const served: { path: string; method: string; replica: string }[] = [];

  beforeAll(async () => {
    browser = await chromium.launch(playwrightConfig.use!.launchOptions);
    context = await browser.newContext();
    page = await context.newPage();
    page.on("response", (r) => {
      const replica = r.headers()[REPLICA_HEADER];
      if (replica) served.push({ path: new URL(r.url()).pathname, method: r.request().method(), replica });
    });
  });
  afterAll(() => browser?.close());

  const sessionToken = async () => (await context.cookies()).find((c) => c.name === "authjs.session-token")?.value;

  it("a session made on the replica that handled the sign-in callback works on every other replica, pages and gateway alike", async () => {
    await page.goto(`${lb}/signin`);
    await page.getByRole("button", { name: "Sign in with GitLab" }).click();
    await page.waitForURL((url) => url.origin === new URL(stack.env.GITLAB_URL).origin);
    await page.getByLabel("Username or primary email").fill("bob");
    await page.getByLabel("Password").fill("mlflow-hub-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((url) => url.origin === hubOrigin && !url.pathname.startsWith("/signin"));
    await page.getByRole("button", { name: "Sign out" }).waitFor();

    const callback = served.find((s) => s.path === "/api/auth/callback/gitlab");
    expect(callback, "the load balancer named the replica that stored the session").toBeDefined();
    expect(new Set(served.map((s) => s.replica)).size, "the sign-in's requests went to more than one replica").toBeGreaterThan(1);
    expect(await sessionToken()).toBeTruthy();

    for (const [i, base] of direct.entries()) {
      await page.goto(`${base}/`);
      await page.getByRole("button", { name: "Sign out" }).waitFor();
      expect(await page.getByTestId("header-user").textContent(), `hub-${i + 1}'s dashboard`).toBeTruthy();
      const ui = await page.request.get(`${base}/mlflow/${FLOOD}/tracking/ajax-api/2.0/mlflow/experiments/search?max_results=1`);
      expect(ui.status(), `hub-${i + 1}'s gateway with the browser's cookie`).toBe(200);
    }
    console.log(`sign-in callback on ${callback!.replica}; the session served by ${direct.length} replicas`);
  });

  it("signing out in the browser, on whichever replica takes it, ends the session on every replica at once", async () => {
    const token = (await sessionToken())!;
    // Every replica has the session cached now (its 30 s session cache): only the bus can end it early.
    for (const base of direct) expect(await search(base, hubOrigin, cookie(token))).toBe(200);
    await page.goto(`${lb}/`);
    const [posted] = await Promise.all([page.waitForResponse((r) => r.request().method() === "POST"), page.getByRole("button", { name: "Sign out" }).click()]);
    const signOut = { replica: posted.headers()[REPLICA_HEADER] };
    expect(signOut.replica, "the sign-out's POST went through the load balancer").toMatch(/^hub-\d$/);
    await page.getByRole("button", { name: "Sign in with GitLab" }).waitFor();
    expect(await db("select 1 from sessions where session_token = $1", [token]), "the session's row is gone").toEqual([]);
    const ms = await Promise.all(direct.map((base) => refusedWithin(() => search(base, hubOrigin, cookie(token)), 401, 1_000)));
    console.log(`signed out on ${signOut!.replica}; refused on every replica after ${ms.map((m) => m.toFixed(0)).join(", ")} ms`);
  });
});

describe("project tokens across replicas", () => {
  it("a project token revoked through the load balancer stops working on every replica at once", async () => {
    const session = await newSession(stack.env.DATABASE_URL, "replicas");
    const asBob = { ...cookie(session), origin: hubOrigin, "content-type": "application/json" };
    const created = await fetch(`${lb}/api/projects/101/tokens`, { method: "POST", headers: asBob, body: JSON.stringify({ name: `replicas-${randomUUID()}`, access: "read", days: 1 }) });
    expect(created.status).toBe(201);
    const { token, summary } = (await created.json()) as { token: string; summary: { id: string } };
    for (const base of direct) expect(await search(base, hubOrigin, bearer(token))).toBe(200);
    const revoked = await fetch(`${lb}/api/projects/101/tokens/${summary.id}`, { method: "DELETE", headers: asBob });
    expect(revoked.status).toBe(200);
    const ms = await Promise.all(direct.map((base) => refusedWithin(() => search(base, hubOrigin, bearer(token)), 401, 1_000)));
    console.log(`token revoked through ${revoked.headers.get(REPLICA_HEADER)}; refused on every replica after ${ms.map((m) => m.toFixed(0)).join(", ")} ms`);
  });
});

describe("the permission cache across replicas", () => {
  it("asks GitLab about one token and project at most once per replica and TTL (the cache is per replica)", async () => {
    const token = "glpat-dave-demo";
    const before = await Promise.all(stack.hubUrls.map((u) => gitlabCalls(u, stack.env.METRICS_TOKEN)));
    const served = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${lb}/mlflow/${FLOOD}/tracking/api/2.0/mlflow/experiments/search`, { method: "POST", headers: { ...bearer(token), "content-type": "application/json" }, body: JSON.stringify({ max_results: 1 }) });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      served.add(res.headers.get(REPLICA_HEADER)!);
    }
    const after = await Promise.all(stack.hubUrls.map((u) => gitlabCalls(u, stack.env.METRICS_TOKEN)));
    const projectLookups = after.map((a, i) => (a["projects/:id"] ?? 0) - (before[i]["projects/:id"] ?? 0));
    const allCalls = after.map((a, i) => Object.entries(a).reduce((n, [k, v]) => n + v - (before[i][k] ?? 0), 0));
    expect(served.size).toBe(REPLICAS);
    for (const n of projectLookups) expect(n).toBeLessThanOrEqual(1);
    expect(projectLookups.reduce((a, b) => a + b, 0)).toBe(REPLICAS);
    console.log(`30 requests over ${REPLICAS} replicas: GitLab project lookups per replica ${projectLookups.join("/")}, all GitLab calls ${allCalls.join("/")}`);
  });
});

describe("rate limits across replicas", () => {
  /** A gateway request through the load balancer from `client` (forwarded for by it; the hubs trust loopback proxies). */
  const from = async (client: string, token: string) => {
    const res = await fetch(`${lb}/mlflow/${FLOOD}/tracking/api/2.0/mlflow/experiments/search`, {
      method: "POST",
      headers: { ...bearer(token), "content-type": "application/json", "x-forwarded-for": client },
      body: JSON.stringify({ max_results: 1 }),
    });
    await res.arrayBuffer();
    return { status: res.status, replica: res.headers.get(REPLICA_HEADER) };
  };

  /** GitLab API calls of all replicas together (their /metrics). */
  const allGitlabCalls = async () => (await Promise.all(stack.hubUrls.map((u) => gitlabCalls(u, stack.env.METRICS_TOKEN)))).reduce((n, calls) => n + Object.values(calls).reduce((a, b) => a + b, 0), 0);
  /** The failed authentications the replicas have written to the shared counts for `client`. */
  const sharedFailures = async (client: string) =>
    Number((await db<{ n: string | null }>("select sum(count) as n from gateway_budget_counts where budget = 'auth_failures' and client = $1", [client]))[0].n ?? 0);

  it("shares the failed-authentication budget: unknown tokens sent round robin through the load balancer are refused after about GATEWAY_AUTH_FAILURES_PER_MINUTE in all, not replicas × it, and cost GitLab as many lookups", async () => {
    // Every replica syncs its budgets once a second: wait until all three have.
    await until(async () => Number((await db<{ n: number }>("select count(*)::integer as n from gateway_budget_replicas where seen_at > now() - interval '3 seconds'"))[0].n) === REPLICAS, 10_000, () => "the replicas do not all sync their budgets");
    const attacker = "203.0.113.7";
    const callsBefore = await allGitlabCalls();
    let refusedAfter = -1;
    const served = new Set<string>();
    for (let i = 0; i < REPLICAS * FAILURES_PER_MINUTE * 2; i++) {
      const { status, replica } = await from(attacker, `glpat-unknown-${randomUUID()}`);
      if (status === 429) {
        refusedAfter = i;
        break;
      }
      expect(status).toBe(401);
      served.add(replica!);
    }
    // Between two syncs a replica spends at most its share of what is left (ceil(10 / 5) = 2 at
    // first; a share used up is a 429 with Retry-After: 1), and the budget refills one failure
    // per 6 s. Per replica the first 429 came after 3 × 10 = 30.
    // Measured: 9 to 14 (budget + replicas + 1 at most); the bound leaves a loaded machine's slower
    // syncs room and stays well under what per-replica budgets give (30).
    expect(refusedAfter).toBeLessThanOrEqual(2 * FAILURES_PER_MINUTE);
    // The flood goes on for 3 s more (several syncs): what the address gets in all stays about one budget.
    let failed = refusedAfter;
    const until3s = Date.now() + 3_000;
    while (Date.now() < until3s) {
      const { status, replica } = await from(attacker, `glpat-unknown-${randomUUID()}`);
      expect([401, 429]).toContain(status);
      if (status === 401) failed++;
      served.add(replica!);
    }
    expect(served.size, "the flood was spread over every replica").toBe(REPLICAS);
    expect(failed, "failed authentications in all, over every replica").toBeGreaterThanOrEqual(FAILURES_PER_MINUTE - 1);
    expect(failed, "failed authentications in all, over every replica").toBeLessThanOrEqual(2 * FAILURES_PER_MINUTE);
    const callsInAll = (await allGitlabCalls()) - callsBefore;
    // Each failure costs the token's GitLab look-ups (two calls for an unknown glpat-), a refused request none.
    expect(callsInAll).toBeGreaterThanOrEqual(failed);
    expect(callsInAll).toBeLessThanOrEqual(2 * failed);
    await until(async () => (await sharedFailures(attacker)) === failed, 3_000, () => "the shared counts do not hold every failure once");
    expect((await from("203.0.113.8", `glpat-unknown-${randomUUID()}`)).status, "another address still gets its own answer").toBe(401);
    console.log(`${refusedAfter} failed authentications from one address before the first 429 over ${REPLICAS} replicas at ${FAILURES_PER_MINUTE}/min fleet-wide (per replica it was ${REPLICAS * FAILURES_PER_MINUTE}); ${failed} in all after 3 s more of flood; GitLab calls ${callsInAll}`);
  });
});

describe("audit rows from every replica", () => {
  it("keeps every replica's audit rows, also those still buffered in a replica that is stopped right after writing", async () => {
    const t0 = new Date(Date.now() - 1_000);
    const marker = `audit-${randomUUID()}`;
    const perReplica = 5;
    const count = async () =>
      Number((await db<{ n: string }>("select count(*) as n from audit_events where time >= $1 and project_id = 101 and route = '/api/2.0/mlflow/experiments/create' and outcome = 'allowed'", [t0]))[0].n);
    const create = async (base: string, i: number) => {
      for (let k = 0; k < perReplica; k++) {
        const res = await fetch(`${base}/mlflow/${FLOOD}/tracking/api/2.0/mlflow/experiments/create`, {
          method: "POST",
          headers: { ...bearer("glpat-bob-demo"), "content-type": "application/json" },
          body: JSON.stringify({ name: `${marker}-${i}-${k}` }),
        });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
      }
    };
    // The replicas that keep running write theirs within their sink's 500 ms batching window.
    for (const [i, base] of direct.slice(0, -1).entries()) await create(base, i);
    await until(async () => (await count()) === (REPLICAS - 1) * perReplica, 5_000, () => "the running replicas' audit rows did not all arrive");
    // The last one is stopped at once, inside its window: its rows are still in memory, and it writes them before it exits.
    await create(direct[REPLICAS - 1], REPLICAS - 1);
    const last = hubServiceName(REPLICAS - 1);
    await stack.stopOne(last);
    try {
      expect(await count()).toBe(REPLICAS * perReplica);
    } finally {
      await stack.startOne(last);
    }
  });
});

describe("scheduled garbage collection with two workers", () => {
  it("queues and runs each schedule slot exactly once when two workers share the schedule", { timeout: 180_000 }, async () => {
    // An age of its own: these rows are told from any other run by it.
    const olderThan = `${40 + Math.floor(Math.random() * 500)}d`;
    const env = { MLFLOW_GC_SCHEDULE: "* * * * *", MLFLOW_GC_OLDER_THAN: olderThan };
    const workers = [await gcWorker(stack, env), await gcWorker(stack, env)];
    try {
      // Both have seen a slot go by: one queued it, the other found it queued.
      await until(
        () => workers.every((w) => /scheduled run (queued|already queued)/.test(w.output())),
        100_000,
        () => `the workers did not both reach a schedule slot:\n${workers.map((w) => w.output()).join("\n---\n")}`,
      );
      const slot = /"slot": "([^"]+)"/.exec(workers[0].output())![1];
      await until(() => workers.every((w) => w.output().includes(slot)), 5_000, () => `the workers named different slots:\n${workers.map((w) => w.output()).join("\n---\n")}`);
      const queued = workers.filter((w) => w.output().includes("scheduled run queued")).length;
      expect(queued, "exactly one worker queued the slot").toBe(1);
      const rows = await db<{ status: string; scheduled_for: Date }>("select status, scheduled_for from gc_runs where trigger = 'schedule' and older_than = $1", [olderThan]);
      expect(rows.length).toBeGreaterThanOrEqual(1);
      const ofSlot = rows.filter((r) => r.scheduled_for.getTime() === new Date(slot).getTime());
      expect(ofSlot.length, `rows for slot ${slot}`).toBe(1);
      await until(
        async () => (await db<{ status: string }>("select status from gc_runs where scheduled_for = $1", [new Date(slot)]))[0].status === "succeeded",
        60_000,
        () => "the slot's run did not succeed",
      );
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it("a worker starting while another runs a collection leaves that run alone, and fails a run whose worker was killed", { timeout: 180_000 }, async () => {
    // A `mlflow gc` that takes its time, so a run is in progress while the second worker starts.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slow-gc-"));
    const slowGc = path.join(dir, "slow-mlflow");
    fs.writeFileSync(slowGc, `#!/bin/sh\nsleep 8\nexec mlflow "$@"\n`, { mode: 0o755 });
    const request = async () => (await db<{ id: string }>("insert into gc_runs (trigger, older_than) values ('manual', '30d') returning id"))[0].id;
    const status = async (id: string) => (await db<{ status: string; error: string | null }>("select status, error from gc_runs where id = $1", [id]))[0];

    // The stack's own worker would take the requests: these two alone here.
    await stack.stopOne("mlflow-gc");
    const slow = await gcWorker(stack, { MLFLOW_GC_COMMAND: slowGc });
    let second: Awaited<ReturnType<typeof gcWorker>> | undefined;
    let third: Awaited<ReturnType<typeof gcWorker>> | undefined;
    try {
      await until(() => /gc worker started/.test(slow.output()), 30_000, () => slow.output());
      const first = await request();
      await until(async () => (await status(first)).status === "running", 15_000, () => `the slow worker did not claim the run:\n${slow.output()}`);
      second = await gcWorker(stack, { MLFLOW_GC_POLL_SECONDS: "0.5" });
      await until(() => /gc worker started/.test(second!.output()), 30_000, () => second!.output());
      await new Promise((r) => setTimeout(r, 2_000));
      expect((await status(first)).status, "the second worker left the run in progress alone").toBe("running");
      await until(async () => (await status(first)).status !== "running", 60_000, () => "the slow run never finished");
      expect(await status(first)).toMatchObject({ status: "succeeded", error: null });

      // The slow worker alone claims the next run, and dies in the middle of it.
      await second.stop();
      const killed = await request();
      await until(async () => (await status(killed)).status === "running", 15_000, () => "the slow worker did not claim the second run");
      await slow.kill();
      third = await gcWorker(stack, { MLFLOW_GC_POLL_SECONDS: "0.5" });
      await until(async () => (await status(killed)).status === "failed", 30_000, () => `the killed worker's run stayed running:\n${third!.output()}`);
      expect((await status(killed)).error).toContain("stopped during this run");
    } finally {
      await slow.stop();
      await second?.stop();
      await third?.stop();
      await stack.startOne("mlflow-gc");
    }
  });
});

describe("a replica killed in the middle of an SDK workflow", () => {
  it(`loses no logged data: the ${UPLOAD_MB} MiB upload it was serving is retried by the client onto another replica and lands whole, never partly visible`, { timeout: 900_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "replica-kill-"));
    try {
      const file = path.join(dir, "big.bin");
      const hash = createHash("sha256");
      const out = fs.openSync(file, "w");
      const chunk = randomBytes(1 << 20);
      for (let i = 0; i < UPLOAD_MB; i++) {
        // Every MiB differs, so a retry that sent a wrong range could not match by accident.
        chunk.writeUInt32LE(i, 0);
        fs.writeSync(out, chunk);
        hash.update(chunk);
      }
      fs.closeSync(out);
      const sha256 = hash.digest("hex");
      const size = UPLOAD_MB << 20;

      const script = path.join(dir, "workflow.py");
      fs.writeFileSync(
        script,
        [
          "import json, os, mlflow",
          "mlflow.set_experiment(os.environ['EXPERIMENT'])",
          "with mlflow.start_run() as run:",
          "    print(json.dumps({'run_id': run.info.run_id, 'artifact_uri': run.info.artifact_uri}), flush=True)",
          "    mlflow.log_params({f'p{i}': i for i in range(20)})",
          "    for step in range(50): mlflow.log_metric('before', step * 0.5, step=step)",
          "    print('UPLOADING', flush=True)",
          "    mlflow.log_artifact(os.environ['BIG_FILE'])",
          "    print('UPLOADED', flush=True)",
          "    for step in range(50): mlflow.log_metric('after', step * 2.0, step=step)",
          "print('DONE', flush=True)",
        ].join("\n"),
      );
      const sdk = await ensureSdkVenv();
      const child = spawn(path.join(sdk, "bin", "python"), [script], {
        env: {
          PATH: `${path.join(sdk, "bin")}:${process.env.PATH}`,
          HOME: process.env.HOME,
          MLFLOW_TRACKING_URI: `${lb}/mlflow/${FLOOD}/tracking/`,
          MLFLOW_TRACKING_TOKEN: "glpat-bob-demo",
          EXPERIMENT: `replica-kill-${randomUUID()}`,
          BIG_FILE: file,
        } as Record<string, string | undefined> as NodeJS.ProcessEnv,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));

      await until(() => output.includes("UPLOADING"), 120_000, () => output);
      const { run_id: runId, artifact_uri: artifactUri } = JSON.parse(/^\{"run_id".*$/m.exec(output)![0]) as { run_id: string; artifact_uri: string };
      // The replica serving the upload is the one reading fastest.
      let victim = -1;
      await until(
        async () => {
          const a = [0, 1, 2].map((i) => bytesRead(hubPid(i)));
          await new Promise((r) => setTimeout(r, 300));
          const deltas = [0, 1, 2].map((i, k) => bytesRead(hubPid(i)) - a[k]);
          const most = deltas.indexOf(Math.max(...deltas));
          if (deltas[most] > 8 << 20) victim = most;
          return victim >= 0 || output.includes("UPLOADED");
        },
        120_000,
        () => `no replica is reading the upload:\n${output}`,
      );
      expect(victim, "the upload was still under way when the replica was chosen").toBeGreaterThanOrEqual(0);
      process.kill(-hubPid(victim), "SIGKILL");
      console.log(`killed ${hubServiceName(victim)} while it was serving the upload`);

      // Until the client is done: the artifact is either absent or whole, never a part.
      const s3 = new URL(stack.env.S3_ENDPOINT);
      const minio = new Minio.Client({ endPoint: s3.hostname, port: Number(s3.port), useSSL: false, accessKey: stack.env.S3_ACCESS_KEY, secretKey: stack.env.S3_SECRET_KEY, region: stack.env.S3_REGION });
      const root = artifactUri.replace(/^mlflow-artifacts:\//, "");
      const objects = async () => {
        const found: { name: string; size: number }[] = [];
        for await (const o of minio.listObjectsV2(stack.env.S3_BUCKET, `${root}/`, true) as AsyncIterable<Minio.BucketItem>) if (o.name) found.push({ name: o.name, size: o.size });
        return found;
      };
      const sizesSeen = new Set<number>();
      let code: number | null | undefined;
      void exited.then((c) => (code = c));
      while (code === undefined) {
        for (const o of await objects()) sizesSeen.add(o.size);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(code, output).toBe(0);
      expect(output).toContain("DONE");
      for (const s of sizesSeen) expect(s, "an object of the run's artifacts seen while the upload was retried").toBe(size);
      expect(await objects()).toEqual([{ name: `${root}/big.bin`, size }]);

      // Everything the workflow logged, read back through the load balancer.
      const api = (route: string) =>
        fetch(`${lb}/mlflow/${FLOOD}/tracking/api/2.0/mlflow/${route}`, { headers: bearer("glpat-bob-demo") }).then(async (r) => {
          expect(r.status, route).toBe(200);
          return r.json();
        });
      const got = (await api(`runs/get?run_id=${runId}`)) as { run: { data: { params: unknown[] } } };
      expect(got.run.data.params).toHaveLength(20);
      for (const [metric, factor] of [["before", 0.5], ["after", 2.0]] as const) {
        const history = (await api(`metrics/get-history?run_id=${runId}&metric_key=${metric}&max_results=1000`)) as { metrics: { step: number; value: number }[] };
        expect(history.metrics.map((m) => [m.step, m.value]).sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 50 }, (_, s) => [s, s * factor]));
      }
      const listed = (await api(`artifacts/list?run_id=${runId}`)) as { files: { path: string; file_size: number }[] };
      expect(listed.files).toEqual([expect.objectContaining({ path: "big.bin", file_size: size })]);
      const download = await fetch(`${lb}/mlflow/${FLOOD}/tracking/api/2.0/mlflow-artifacts/artifacts/${root}/big.bin`, { headers: bearer("glpat-bob-demo") });
      expect(download.status).toBe(200);
      const back = createHash("sha256");
      for await (const part of download.body as unknown as AsyncIterable<Uint8Array>) back.update(part);
      expect(back.digest("hex"), "the artifact read back is the file the client sent").toBe(sha256);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      for (let i = 0; i < REPLICAS; i++) {
        const s = stack.services.find((x) => x.name === hubServiceName(i))!;
        try {
          process.kill(s.pid, 0);
        } catch {
          await stack.stopOne(s.name);
          await stack.startOne(s.name);
        }
      }
    }
  });
});
