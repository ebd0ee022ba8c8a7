/**
 * The GitLab stand-in's HTTP server: health checks, API v4, the sign-in pages, and oidc-provider for
 * everything OAuth. One world per server, loaded from the fixture at start.
 */
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createApi } from "./api.ts";
import { createOAuth, type OAuthApplication } from "./oauth.ts";
import { createSignIn, isInteractionPath } from "./sign-in.ts";
import { FixtureError, parseFixture, type World } from "./world.ts";

export interface GitLabDevOptions {
  /** YAML or JSON fixture file describing the world. */
  fixturePath: string;
  /** Interface to bind; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 3001 unless told otherwise; 0 picks a free port. */
  port?: number;
  /** Public base URL, also the OIDC issuer; http://localhost:<port> by default. */
  publicUrl?: string;
  /** Delay added to every /api/v4 answer, to make benchmarks feel a real GitLab's round trip. */
  latencyMs?: number;
  /** The OAuth application the hub signs in with. */
  application?: OAuthApplication;
  /** OAuth access token lifetime; GitLab's is fixed at 7200 s. */
  accessTokenTtlSeconds?: number;
  /** Receives one line per request (never a token) and the start-up line. */
  log?: (line: string) => void;
}

export interface GitLabDev {
  /** The public base URL (OIDC issuer). */
  url: string;
  /** Where the server actually listens, e.g. http://127.0.0.1:41234. */
  listenUrl: string;
  close(): Promise<void>;
}

/** Query parameters that carry secrets and never reach the log. */
const secretParams = new Set([
  "private_token",
  "access_token",
  "job_token",
  "code",
  "code_verifier",
  "refresh_token",
  "client_secret",
  "token",
]);

function loggable(rawUrl: string): string {
  const url = new URL(rawUrl, "http://log");
  for (const name of [...url.searchParams.keys()]) {
    if (secretParams.has(name)) url.searchParams.set(name, "REDACTED");
  }
  return url.pathname + url.search;
}

async function loadWorld(path: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new FixtureError([`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  return parseFixture(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

export async function startGitLabDev(options: GitLabDevOptions): Promise<GitLabDev> {
  const world = await loadWorld(options.fixturePath);
  const log = options.log ?? (() => {});

  let dispatch: RequestListener = (_req, res) => sendJson(res, 503, { message: "503 Starting" });
  const server = createServer((req, res) => {
    const started = performance.now();
    res.on("finish", () => {
      const ms = Math.round(performance.now() - started);
      log(`${new Date().toISOString()} ${req.method} ${loggable(req.url ?? "/")} ${res.statusCode} ${ms}ms`);
    });
    Promise.resolve(dispatch(req, res)).catch((error: unknown) => {
      log(`${new Date().toISOString()} error ${req.method} ${loggable(req.url ?? "/")}: ${(error as Error).stack ?? error}`);
      if (!res.headersSent) sendJson(res, 500, { message: "500 Internal Server Error" });
      else res.destroy();
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3001, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/+$/, "");

  const close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
      // A client holding a connection open must not keep the stand-in from stopping.
      setTimeout(() => server.closeAllConnections(), 5000).unref();
    });

  try {
    const oauth = await createOAuth({
      issuer: url,
      world,
      application: options.application,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 7200,
    });
    const api = createApi({ world, baseUrl: url, now: () => new Date(), checkOAuthToken: oauth.checkAccessToken });
    const signIn = createSignIn(oauth.provider, world);
    const provider = oauth.provider.callback();
    const latencyMs = options.latencyMs ?? 0;

    dispatch = async (req: IncomingMessage, res: ServerResponse) => {
      const { pathname, searchParams } = new URL(req.url ?? "/", "http://request");
      if (pathname === "/-/health") {
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("GitLab OK");
      } else if (pathname === "/-/readiness") {
        sendJson(res, 200, { status: "ok", master_check: [{ status: "ok" }] });
      } else if (pathname === "/-/liveness") {
        sendJson(res, 200, { status: "ok" });
      } else if (pathname === "/api/v4" || pathname.startsWith("/api/v4/")) {
        const answer = await api({
          method: req.method ?? "GET",
          path: pathname.slice("/api/v4".length),
          query: searchParams,
          header: (name) => {
            const value = req.headers[name];
            return Array.isArray(value) ? value[0] : value;
          },
        });
        if (latencyMs > 0) await sleep(latencyMs);
        if (answer.status === 204) res.writeHead(204, answer.headers).end();
        else sendJson(res, answer.status, answer.body, answer.headers);
      } else if (isInteractionPath(pathname)) {
        await signIn(req, res, pathname);
      } else if (pathname === "/oauth/token/info") {
        const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
        const answer = await oauth.tokenInfo(bearer ?? searchParams.get("access_token") ?? "");
        sendJson(res, answer.status, answer.body);
      } else {
        await provider(req, res);
      }
    };
  } catch (error) {
    await close();
    throw error;
  }

  log(`GitLab stand-in on http://${host}:${port} (public URL ${url}), ${world.users.length} users, ${world.projects.length} projects`);
  return { url, listenUrl: `http://${host.includes(":") ? `[${host}]` : host}:${port}`, close };
}
