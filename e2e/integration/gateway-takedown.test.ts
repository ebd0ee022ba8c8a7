import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { PORT_OFFSETS } from "../../infra/local/ports.ts";
import { startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";
import { socketsTo } from "../../bench/sockets.ts";

// Security issue 11, hole 1: about 600 connections to a public route (GET …/health with
// Content-Length: 100000000), a few body bytes trickled for 10 s, then dropped, held every one
// of the hub's 256 sockets to MLflow for good, and every gateway request hung until a restart.
// A stack of its own (the attacks exhaust its limits), with limits small enough to reach quickly.
const OFFSET = PORT_OFFSETS.gatewayTakedown;
const STATE = path.join(REPO_ROOT, ".local", "test-gateway-takedown");
const IDLE_SECONDS = 3;
const PER_CLIENT = 8;
const GLOBAL = 20;
const LOOKUPS_PER_MINUTE = 10;
const FAILURES_PER_MINUTE = 5;
const LIMITS = {
  GATEWAY_IDLE_TIMEOUT: String(IDLE_SECONDS),
  GATEWAY_MAX_REQUESTS_PER_CLIENT: String(PER_CLIENT),
  GATEWAY_MAX_REQUESTS: String(GLOBAL),
  GATEWAY_LOOKUPS_PER_MINUTE: String(LOOKUPS_PER_MINUTE),
  GATEWAY_AUTH_FAILURES_PER_MINUTE: String(FAILURES_PER_MINUTE),
};
const ALICE = "glpat-alice-demo";
const FLOOD = "/mlflow/ml-team/flood-detection/tracking";
const PUBLIC = "/mlflow/open-science/public-models/tracking";
const SEARCH = "/api/2.0/mlflow/experiments/search";

let stack: Stack;
let hubPort: number;
let mlflowPort: number;

beforeAll(async () => {
  fs.rmSync(STATE, { recursive: true, force: true });
  const saved = Object.fromEntries(Object.keys(LIMITS).map((k) => [k, process.env[k]]));
  Object.assign(process.env, LIMITS);
  try {
    stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "prod" });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  hubPort = stack.ports.hub;
  mlflowPort = stack.ports.mlflow;
});
afterAll(() => stopStackAt(STATE));

/** TCP connections the hub process holds open to MLflow right now. */
const hubSocketsToMlflow = () => socketsTo(stack.services.find((s) => s.name === "hub")!.pid, mlflowPort);

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: any;
}

/** One request from a given loopback address (each 127.x.y.z is a different client to the hub). */
function call(o: { from?: string; method?: string; path: string; token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number }): Promise<Answer> {
  const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string> = { ...o.headers };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (payload) Object.assign(headers, { "content-type": "application/json", "content-length": String(payload.length) });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: hubPort, localAddress: o.from ?? "127.0.0.1", method: o.method ?? "GET", path: o.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.setTimeout(o.timeoutMs ?? 10_000, () => req.destroy(new Error(`${o.method ?? "GET"} ${o.path} from ${o.from ?? "127.0.0.1"}: no answer in ${o.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

const searchFlood = (from: string, token = ALICE, timeoutMs?: number) => call({ from, method: "POST", path: `${FLOOD}${SEARCH}`, token, body: { max_results: 1 }, timeoutMs });

/**
 * A raw connection that sends a request head declaring a body, then trickles one byte of it per
 * second until stopped: what an attacker does to hold a connection open. `closed` resolves when
 * the hub closes it (or it is stopped).
 */
function trickler(o: { from?: string; head: string }) {
  const socket = net.connect({ host: "127.0.0.1", port: hubPort, localAddress: o.from ?? "127.0.0.1" });
  let answer = "";
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => (answer += d));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  socket.on("connect", () => socket.write(o.head));
  const timer = setInterval(() => {
    if (!socket.destroyed && socket.writable) socket.write("x");
  }, 1000);
  closed.then(() => clearInterval(timer));
  return {
    closed,
    /** The status line of whatever the hub answered so far. */
    status: () => answer.split("\r\n")[0],
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

const head = (method: string, target: string, extra: Record<string, string> = {}) =>
  `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${hubPort}\r\n${Object.entries(extra)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;

async function eventually(what: string, probe: () => boolean | Promise<boolean>, withinMs: number) {
  const deadline = Date.now() + withinMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The sum of a metric's series on the hub's /metrics. */
const metricSum = async (name: string) =>
  (await (await fetch(`${stack.env.AUTH_URL}/metrics`, { headers: { authorization: `Bearer ${stack.env.METRICS_TOKEN}` } })).text())
    .split("\n")
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
const gitlabCalls = () => metricSum("mlflow_hub_gitlab_api_calls_total");

describe("an unauthenticated slow-body flood (issue 11, hole 1)", () => {
  it("300 connections × 2 rounds to GET …/health with Content-Length: 100000000, trickled for 10 s then dropped, leave no socket to MLflow held and the gateway answering within seconds", async () => {
    for (let round = 0; round < 2; round++) {
      // Many addresses, as a botnet would use: the per-client cap alone must not be what saves the hub.
      const attackers = Array.from({ length: 300 }, (_, i) =>
        trickler({ from: `127.1.${round}.${1 + (i % 250)}`, head: head("GET", "/mlflow/1/tracking/health", { "content-length": "100000000" }) }),
      );
      await sleep(10_000);
      for (const a of attackers) a.stop();
    }
    await eventually("the hub let go of every socket to MLflow", () => hubSocketsToMlflow() === 0, 5_000);
    expect((await call({ from: "127.0.0.10", path: `${FLOOD}/health`, timeoutMs: 5_000 })).status).toBe(200);
    expect((await searchFlood("127.0.0.10", ALICE, 5_000)).status).toBe(200);
  });

  it("a GET with a body is refused with MLflow JSON before anything reaches MLflow (MLflow reads a GET's JSON body when it has no query), and one declaring 100 MB is not waited for", async () => {
    const small = await call({ from: "127.0.0.11", path: `${PUBLIC}/api/2.0/mlflow/experiments/get`, body: { experiment_id: "0" } });
    expect(small.status).toBe(400);
    expect(small.json).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });

    const big = trickler({ from: "127.0.0.11", head: head("GET", `${PUBLIC}/health`, { "content-length": "100000000" }) });
    const closed = await Promise.race([big.closed.then(() => true), sleep(5_000).then(() => false)]);
    big.stop();
    expect(big.status()).toBe("HTTP/1.1 400 Bad Request");
    expect(closed, "the hub kept reading a body it refused").toBe(true);
  });
});

describe("slow senders", () => {
  it(`a caller that stops sending a read route's body is cut off after ${IDLE_SECONDS} s of silence, holding no socket to MLflow meanwhile`, async () => {
    // The hub's own fetches to MLflow (workspace creation) keep a connection for a few seconds.
    await eventually("no socket to MLflow before the test", () => hubSocketsToMlflow() === 0, 10_000);
    const socket = net.connect({ host: "127.0.0.1", port: hubPort, localAddress: "127.0.0.12" });
    socket.on("error", () => {});
    const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now())));
    socket.write(head("POST", `${PUBLIC}${SEARCH}`, { "content-type": "application/json", "content-length": "100" }) + '{"max_res');
    const started = Date.now();
    await sleep(1_000);
    expect(hubSocketsToMlflow(), "a socket to MLflow waits for the caller's body").toBe(0);
    const at = await Promise.race([closed, sleep(IDLE_SECONDS * 1000 + 10_000).then(() => 0)]);
    socket.destroy();
    expect(at, "the hub kept the silent connection open").toBeGreaterThan(0);
    expect(at - started).toBeGreaterThanOrEqual(IDLE_SECONDS * 1000 - 200);
  });

  it(`request headers that take longer than ${IDLE_SECONDS} s are cut off`, async () => {
    const socket = net.connect({ host: "127.0.0.1", port: hubPort, localAddress: "127.0.0.13" });
    socket.on("error", () => {});
    const closed = new Promise<boolean>((resolve) => socket.on("close", () => resolve(true)));
    socket.write(`GET ${FLOOD}/health HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    const timer = setInterval(() => socket.writable && socket.write("X-Slow: 1\r\n"), 1000);
    try {
      expect(await Promise.race([closed, sleep(IDLE_SECONDS * 1000 + 10_000).then(() => false)]), "the hub kept waiting for headers").toBe(true);
    } finally {
      clearInterval(timer);
      socket.destroy();
    }
  });

  it(`an artifact upload whose bytes keep flowing takes longer than the ${IDLE_SECONDS} s idle limit and lands intact`, async () => {
    const created = await call({ method: "POST", path: `${FLOOD}/api/2.0/mlflow/experiments/create`, token: ALICE, body: { name: `takedown-upload-${Date.now()}` } });
    expect(created.status).toBe(200);
    const artifact = `${FLOOD}/api/2.0/mlflow-artifacts/artifacts/workspaces/gitlab-101/${created.json.experiment_id}/slow/artifacts/slow.bin`;
    const chunk = Buffer.alloc(256 * 1024, 5);
    const chunks = 4 * IDLE_SECONDS;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: hubPort, method: "PUT", path: artifact, agent: false, headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/octet-stream", "content-length": String(chunk.length * chunks) } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      let sent = 0;
      const timer = setInterval(() => {
        req.write(chunk);
        if (++sent === chunks) {
          clearInterval(timer);
          req.end();
        }
      }, 500);
    });
    expect(status).toBe(200);
    const back = await fetch(`${stack.env.AUTH_URL}${artifact}`, { headers: { authorization: `Bearer ${ALICE}` } });
    expect((await back.arrayBuffer()).byteLength).toBe(chunk.length * chunks);
  });
});

describe("concurrent requests per client address", () => {
  const holdSearch = (from: string) => trickler({ from, head: head("POST", `${PUBLIC}${SEARCH}`, { "content-type": "application/json", "content-length": "1000" }) });

  it(`a client past ${PER_CLIENT} requests in flight gets 429 REQUEST_LIMIT_EXCEEDED with Retry-After, X-Forwarded-For from it changes nothing, and other clients are served`, async () => {
    const held = Array.from({ length: PER_CLIENT }, () => holdSearch("127.0.0.20"));
    try {
      await sleep(500);
      const refused = await searchFlood("127.0.0.20");
      expect(refused.status).toBe(429);
      expect(refused.json).toMatchObject({ error_code: "REQUEST_LIMIT_EXCEEDED" });
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
      const spoofed = await call({ from: "127.0.0.20", method: "POST", path: `${FLOOD}${SEARCH}`, token: ALICE, body: {}, headers: { "x-forwarded-for": "203.0.113.7" } });
      expect(spoofed.status).toBe(429);
      expect((await searchFlood("127.0.0.21")).status).toBe(200);
    } finally {
      for (const h of held) h.stop();
    }
    await eventually("the client's slots came back once its connections closed", async () => (await searchFlood("127.0.0.20")).status === 200, 5_000);
  });

  it(`past ${GLOBAL} gateway requests in flight in all, a new client gets 503 TEMPORARILY_UNAVAILABLE with Retry-After`, async () => {
    const held = Array.from({ length: GLOBAL }, (_, i) => holdSearch(`127.0.0.${30 + Math.floor(i / PER_CLIENT)}`));
    try {
      await sleep(500);
      const refused = await searchFlood("127.0.0.40");
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ error_code: "TEMPORARILY_UNAVAILABLE" });
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    } finally {
      for (const h of held) h.stop();
    }
    await eventually("the gateway took requests again", async () => (await searchFlood("127.0.0.40")).status === 200, 5_000);
  });
});

describe("amplification: unknown tokens cost GitLab calls", () => {
  it(`a burst of 40 unknown tokens from one address reaches GitLab for at most ${LOOKUPS_PER_MINUTE} of them, the rest get 429 with Retry-After; cached callers, there and elsewhere, are still served`, async () => {
    expect((await searchFlood("127.0.0.50")).status).toBe(200);
    expect((await searchFlood("127.0.0.51")).status).toBe(200);
    const before = await gitlabCalls();
    const flood: Promise<Answer>[] = [];
    const cached: Promise<Answer>[] = [];
    for (let i = 0; i < 40; i++) {
      flood.push(searchFlood("127.0.0.51", `glpat-unknown-${i}-${Date.now()}`));
      if (i % 4 === 0) cached.push(searchFlood("127.0.0.50"));
      // The cached caller's own requests are awaited with each batch too: left to pile up on a slow
      // machine they would pass its in-flight cap (PER_CLIENT) and be refused for that, not for the flood.
      if (flood.length % PER_CLIENT === 0) await Promise.all([...flood.slice(-PER_CLIENT), ...cached]);
    }
    const answers = await Promise.all(flood);
    const statuses = answers.map((a) => a.status);
    expect((await Promise.all(cached)).map((a) => a.status)).toEqual(cached.map(() => 200));
    const limited = answers.filter((a) => a.status === 429);
    const reached = answers.length - limited.length;
    expect(reached).toBeLessThanOrEqual(LOOKUPS_PER_MINUTE);
    // One lookup of a GitLab token: its project, and its scopes (personal_access_tokens/self, then oauth/token/info).
    expect(await gitlabCalls()).toBeLessThanOrEqual(before + 3 * reached);
    expect(limited.length, `statuses: ${statuses.join(",")}`).toBeGreaterThanOrEqual(40 - LOOKUPS_PER_MINUTE);
    for (const a of limited) {
      expect(a.json).toMatchObject({ error_code: "REQUEST_LIMIT_EXCEEDED" });
      expect(Number(a.headers["retry-after"])).toBeGreaterThan(0);
    }
    // Alice's token was looked up from this address before the burst: still cached, not charged.
    expect((await searchFlood("127.0.0.51")).status).toBe(200);
  });

  it(`after ${FAILURES_PER_MINUTE} failed authentications an address gets 429 for a new valid token too, while the same token from another address works`, async () => {
    for (let i = 0; i < FAILURES_PER_MINUTE + 2; i++) await searchFlood("127.0.0.60", `glpat-wrong-${i}-${Date.now()}`);
    const bob = "glpat-bob-demo";
    const refused = await searchFlood("127.0.0.60", bob);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error_code: "REQUEST_LIMIT_EXCEEDED" });
    expect((await searchFlood("127.0.0.61", bob)).status).toBe(200);
  });
});

describe("the budgets' database cost under the floods above", () => {
  it("the shared budgets sent Postgres one statement a second at most, whatever the floods, and every one succeeded", async () => {
    const syncs = await metricSum("mlflow_hub_gateway_budget_syncs_total");
    const failed = (await (await fetch(`${stack.env.AUTH_URL}/metrics`, { headers: { authorization: `Bearer ${stack.env.METRICS_TOKEN}` } })).text()).includes('mlflow_hub_gateway_budget_syncs_total{outcome="failed"}');
    const rows = await metricSum("mlflow_hub_gateway_budget_rows_total");
    const upSeconds = Date.now() / 1000 - (await metricSum("process_start_time_seconds"));
    console.log(`budget syncs during the suite: ${syncs} statements in ${upSeconds.toFixed(0)} s of the hub's life, ${rows} rows sent and read`);
    expect(syncs).toBeGreaterThan(0);
    expect(syncs).toBeLessThanOrEqual(upSeconds + 1);
    expect(failed).toBe(false);
  });
});
