import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AccessResolver, AccessResult, JobInfo } from "./access";
import type { AuditSink } from "./audit";
import { bodyShapeOf, checks, type CheckContext } from "./checks";
import { readCredential, type Credential } from "./credentials";
import { refuseCrossSite } from "./csrf";
import { decide, type ProjectAccess } from "./decide";
import { GatewayError, invalid, mlflowFailure, redactSecrets, unauthenticated, unknownEndpoint, unavailable } from "./errors";
import { forward } from "./forward";
import { cutOffIdleSender, type Limits } from "./limits";
import { normaliseBody, parseJsonObject, reserialise } from "./normalise";
import { gatewayRequests } from "./metrics";
import { ACCESS_LEVEL, roleName, type DeleteFloor } from "./permissions";
import { GATEWAY_ROOT, parseGatewayPath, workspaceOf, type ProjectRef } from "./project-path";
import type { EndpointManager } from "../serving/endpoints";
import { handleServing } from "../serving/gateway";
import { parseServingPath } from "../serving/path";
import type { SupervisorClient } from "../serving/supervisor";
import type { RouteAction, RouteMatch } from "./routes";
import { directStoreFor, PART_LIST_MAX_BYTES, serverInfoThroughHub, type DirectStore } from "./transfers";

export interface SessionIdentity {
  userId: string;
  username?: string;
  /** The user's GitLab access token (refreshed when needed). */
  token: string;
}

export interface GatewayOptions {
  mlflowUrl: string;
  deleteFloor: DeleteFloor;
  matchRoute: (method: string, path: string) => RouteMatch | undefined;
  access: AccessResolver;
  /** Turns the hub's session cookie into the user's GitLab token; undefined when the session is unknown or expired. */
  resolveSession: (sessionToken: string) => Promise<SessionIdentity | undefined>;
  ensureWorkspace: (name: string, description: string) => Promise<void> | undefined;
  audit: AuditSink;
  log: Logger;
  /** Deletes a hub session, so its cookie stops signing anyone in. */
  endSession: (sessionToken: string) => Promise<void>;
  /** Where a browser without a session is sent, with where to come back to; `ended`: the hub just ended its session. */
  signInUrl: (returnTo: string, ended: boolean) => string;
  /** The artifact store's public endpoint (S3_PUBLIC_URL); without it every artifact byte goes through the gateway. */
  directStore?: DirectStore;
  /** Whether resolveSession would answer without the database: only other lookups are charged to the caller. */
  sessionCached: (sessionToken: string) => boolean;
  /** Requests in flight, lookups and failed authentications per client address (limits.ts). */
  limits: Limits;
  /** Longest silence between two bytes of a request body; 0: none. */
  idleTimeoutMs: number;
  /** The hub's own origin (AUTH_URL's): cookie-authenticated writes must come from it (csrf.ts). */
  hubOrigin?: string;
  /** Model serving (lib/serving/): /mlflow/<project>/serving/**; without it those paths are unknown. */
  serving?: { manager: EndpointManager; supervisor: SupervisorClient };
  /**
   * Told before a write or delete is forwarded to MLflow (`status` absent) and after it (MLflow's
   * status): the STAC catalog's cache of the workspace is then stale; `route` (the route table's
   * path) tells serving whether an alias may have moved.
   */
  onWrite?: (workspace: string, write: { route: string; status?: number }) => void;
}

/** JSON bodies the gateway reads (to check them, or for read routes) are small API calls; anything bigger is not one. */
const MAX_INSPECTED_BODY = 1 << 20;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

interface Outcome {
  action: RouteAction | "unknown";
  route: string;
  access?: ProjectAccess;
  username?: string;
  userId?: string;
  client: string;
  /** Refused by a limit: counted and logged, but no audit row (a flood would write one per request). */
  limited?: boolean;
}

function sendError(res: ServerResponse, e: GatewayError) {
  if (res.headersSent) return res.destroy();
  const body = e.body();
  res.writeHead(e.status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store", ...e.headers });
  res.end(body);
}

function sendJson(res: ServerResponse, json: unknown, status = 200) {
  const body = JSON.stringify(json);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) return reject(invalid("The request body is too large for this endpoint."));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(invalid("The request body is too large for this endpoint."));
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
    // Cut off (idle sender) or hung up: no 'end' will come.
    req.on("close", () => reject(invalid("The request body did not arrive.")));
  });
}

const hasBody = (req: IncomingMessage) => Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;

const wantsHtml = (req: IncomingMessage) => req.method === "GET" && (req.headers.accept ?? "").includes("text/html");

/**
 * The gateway: /mlflow/<project>/tracking/** → authenticate → resolve the
 * project and role → decide → check → stream to MLflow in the project's workspace.
 * Every refusal is MLflow-shaped JSON; nothing is allowed on doubt.
 */
export function createGateway(o: GatewayOptions) {
  const mlflowBase = new URL(o.mlflowUrl);
  const isRoute = (rest: string) => METHODS.some((m) => o.matchRoute(m, rest) !== undefined);
  const deleteRole = roleName(ACCESS_LEVEL[o.deleteFloor]);

  /** `workspace` is absent only for public routes. */
  async function mlflowRead(workspace: string | undefined, pathAndQuery: string) {
    try {
      const headers: Record<string, string> = workspace ? { "x-mlflow-workspace": workspace } : {};
      const res = await fetch(`${o.mlflowUrl}${pathAndQuery}`, { headers, signal: AbortSignal.timeout(10_000) });
      const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      return { status: res.status, json };
    } catch {
      throw unavailable("MLflow");
    }
  }

  /**
   * MLflow's own 5xx: its body can name the database, the bucket or internal hosts, and Flask's
   * are HTML pages. Logged here (credentials masked); the caller gets the gateway's error with MLflow's status.
   */
  function upstreamFailure(route: string, status: number, body: string): GatewayError {
    o.log.error({ route, status, body: redactSecrets(body) }, "MLflow failed; the caller got the gateway's error instead");
    return mlflowFailure(status);
  }

  async function identify(credential: Credential, out: Outcome) {
    if (credential.kind !== "session") return credential;
    // Only lookups the caches cannot answer cost anything, so only they are charged and counted.
    const cached = o.sessionCached(credential.sessionToken);
    if (!cached) chargeLookup(out);
    let identity: SessionIdentity | undefined;
    try {
      identity = await o.resolveSession(credential.sessionToken);
    } catch (e) {
      throw e instanceof GatewayError ? e : unavailable("The hub's database");
    }
    if (!identity) {
      if (!cached) o.limits.failedAuthentication(out.client);
      throw unauthenticated("Your hub session has expired: sign in again.");
    }
    out.userId = identity.userId;
    out.username = identity.username;
    return { kind: "hub-session" as const, token: identity.token };
  }

  function chargeLookup(out: Outcome) {
    try {
      o.limits.chargeLookup(out.client);
    } catch (e) {
      out.limited = true;
      throw e;
    }
  }

  /** Who is calling, their access to the project, and whether it allows the action; throws the refusal. */
  async function authorize(req: IncomingMessage, out: Outcome, project: ProjectRef, action: RouteAction | "invoke" | "deploy") {
    const method = (req.method ?? "GET").toUpperCase();
    const presented = readCredential(req.headers.authorization, req.headers.cookie);
    // Before the session is looked up: a forged request costs the hub nothing.
    if (presented.kind === "session") refuseCrossSite(method, req.headers, o.hubOrigin);
    const credential = await identify(presented, out);
    const cached = o.access.cached(credential, project);
    if (!cached) chargeLookup(out);
    const result: AccessResult = await o.access.resolve(credential, project);
    // A caller without credentials has failed no authentication: "sign in" is not a wrong token.
    if (!cached && credential.kind !== "anonymous" && result.kind === "denied" && result.error.status === 401) o.limits.failedAuthentication(out.client);
    if (result.kind === "denied") throw result.error;
    out.access = result.access;
    out.username ??= result.username;
    const decision = decide(action, result.access, o.deleteFloor);
    if (!decision.allow) throw decision.error;
    return result;
  }

  /** /mlflow/<project>/serving/**, when the path is not a tracking URI's MLflow route. */
  function servingPath(pathname: string) {
    if (!o.serving || !pathname.includes("/serving")) return undefined;
    const tracking = parseGatewayPath(pathname, isRoute);
    if (tracking && (tracking.rest === "" || isRoute(tracking.rest))) return undefined;
    const path = parseServingPath(pathname);
    if (!path) return undefined;
    const at = pathname.indexOf("/serving", GATEWAY_ROOT.length - 1);
    return { path, prefix: pathname.slice(0, at + "/serving".length) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse, out: Outcome): Promise<{ status: number; outcome: "allowed" | "denied" | "error" }> {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const pathname = q < 0 ? url : url.slice(0, q);
    const search = q < 0 ? "" : url.slice(q);
    const method = (req.method ?? "GET").toUpperCase();

    const serving = servingPath(pathname);
    if (serving && o.serving) {
      const { manager, supervisor } = o.serving;
      const status = await handleServing(req, res, serving.path, serving.prefix, search, {
        authorize: async (action) => {
          const r = await authorize(req, out, serving.path.project, action);
          return { access: r.access, username: out.username };
        },
        note: (action, route) => {
          out.action = action;
          out.route = route;
        },
        sendJson: (json, status) => sendJson(res, json, status),
        sendError: (e) => sendError(res, e),
      }, manager, supervisor);
      return { status, outcome: status >= 500 ? "error" : "allowed" };
    }
    const parsed = parseGatewayPath(pathname, isRoute);
    if (!parsed) throw new GatewayError("ENDPOINT_NOT_FOUND", "Not a tracking URI: use /mlflow/<group>/<project>/tracking/ or /mlflow/<project id>/tracking/.");
    // The UI's relative links need the trailing slash.
    if (parsed.rest === "") {
      res.writeHead(308, { location: `${parsed.prefix}/${search}` });
      res.end();
      return { status: 308, outcome: "allowed" };
    }

    const match = o.matchRoute(method === "HEAD" ? "GET" : method, parsed.rest);
    if (!match) throw unknownEndpoint(method);
    const { entry } = match;
    out.action = entry.action;
    out.route = entry.path;
    // A GET has nothing to send: a body would only hold the connection (and, streamed, a socket to
    // MLflow) open for as long as its sender trickles it. MLflow would also read a GET's JSON body
    // in place of an empty query (handlers.py _get_request_message), which the checks do not read.
    if ((method === "GET" || method === "HEAD") && hasBody(req)) throw invalid("A GET request through the hub carries its parameters in the query string, not in a body.");
    const onFailure = (status: number, upstreamBody: string) => sendError(res, upstreamFailure(entry.path, status, upstreamBody));

    if (entry.action === "public" && entry.checks?.includes("server-info")) {
      const { status, json } = await mlflowRead(undefined, parsed.rawRest + search);
      if (status >= 500) throw upstreamFailure(entry.path, status, JSON.stringify(json));
      const direct = directStoreFor(req.headers.authorization, req.headers.cookie, o.directStore) !== undefined;
      sendJson(res, status === 200 ? serverInfoThroughHub(json, direct) : json, status);
      return { status, outcome: status >= 500 ? "error" : "allowed" };
    }
    if (entry.action === "public") {
      const status = await forward(req, res, { base: mlflowBase, path: parsed.rawRest + search }, (e) => sendError(res, e), onFailure);
      return { status, outcome: status >= 500 ? "error" : "allowed" };
    }
    if (entry.action === "refused") {
      const d = decide("refused", undefined, o.deleteFloor);
      throw (d as { error: GatewayError }).error;
    }

    const result = await authorize(req, out, parsed.project, entry.action);

    const workspace = workspaceOf(result.access.project.id);
    // The stock UI takes its workspace from the query of its hash route, which never reaches a
    // server; the outer ?workspace= marks an entry already sent there, so this redirects once.
    if (parsed.rest === "/" && method === "GET" && new URLSearchParams(search).get("workspace") !== workspace) {
      res.writeHead(302, { location: `${parsed.prefix}/?workspace=${workspace}#/experiments?workspace=${workspace}` });
      res.end();
      return { status: 302, outcome: "allowed" };
    }

    let body: Buffer | undefined;
    const routeChecks = entry.checks ?? [];
    if (routeChecks.length) {
      const ctx: CheckContext = {
        workspace,
        projectPath: result.access.project.path,
        params: match.params,
        query: new URLSearchParams(search),
        job: result.job as JobInfo | undefined,
        mlflow: (p) => mlflowRead(workspace, p),
        store: directStoreFor(req.headers.authorization, req.headers.cookie, o.directStore),
        mayDelete: decide("delete", result.access, o.deleteFloor).allow,
        deleteRole,
      };
      let raw: Buffer | undefined;
      let rewritten = false;
      const shape = bodyShapeOf(routeChecks);
      if (shape) {
        raw = await readBody(req, routeChecks.includes("mpu-complete") ? PART_LIST_MAX_BYTES : MAX_INSPECTED_BODY);
        const normalised = normaliseBody(parseJsonObject(raw), shape);
        ctx.body = normalised.body;
        rewritten = normalised.renamed;
      }
      for (const name of routeChecks) {
        const check = checks[name];
        // Deny by default: a check the table asks for but the gateway does not know is a refusal.
        if (!check) throw new GatewayError("PERMISSION_DENIED", "This endpoint is not available through the hub.");
        const outcome = await check(ctx);
        if (outcome.kind === "answer") {
          sendJson(res, outcome.json);
          return { status: 200, outcome: "allowed" };
        }
        if (outcome.body) {
          ctx.body = outcome.body;
          rewritten = true;
        }
      }
      body = rewritten && ctx.body ? reserialise(raw ?? Buffer.alloc(0), ctx.body) : raw;
    }
    // A read's body (a search) is small: read whole before MLflow is asked, so a slow sender holds
    // no socket to MLflow. Writes stream: artifact uploads are any size (idle limit, not total).
    if (!body && entry.action === "read" && hasBody(req)) body = await readBody(req, MAX_INSPECTED_BODY);

    const pendingWorkspace = o.ensureWorkspace(workspace, `GitLab project ${result.access.project.id}`);
    if (pendingWorkspace) await pendingWorkspace;
    // Before (no answer of the old state outlives the write) and after (a read that ran meanwhile may have cached it).
    const writes = entry.action !== "read";
    if (writes) o.onWrite?.(workspace, { route: entry.path });
    const status = await forward(req, res, { base: mlflowBase, path: parsed.rawRest + search, workspace, body }, (e) => sendError(res, e), onFailure);
    if (writes) o.onWrite?.(workspace, { route: entry.path, status });
    return { status, outcome: status >= 500 ? "error" : "allowed" };
  }

  /**
   * After a 401: a browser (session cookie, or no credential) is sent to sign in instead;
   * a token caller is not, since signing in would not mend its token. A 401 for a hub
   * session means GitLab refused its token (a revoked grant, a GitLab that forgot it) or
   * the session is gone: it is ended, so its cookie stops opening anything.
   */
  async function unauthenticatedCaller(req: IncomingMessage): Promise<{ browser: boolean; ended: boolean }> {
    let credential: Credential;
    try {
      credential = readCredential(req.headers.authorization, req.headers.cookie);
    } catch {
      return { browser: false, ended: false };
    }
    if (credential.kind !== "session") return { browser: credential.kind === "anonymous", ended: false };
    await o.endSession(credential.sessionToken).catch((e: unknown) => o.log.error({ err: e }, "a refused hub session could not be ended"));
    return { browser: true, ended: true };
  }

  /**
   * Takes the caller's slot until both sides of the exchange are over, or its connection is.
   * The connection counts because node:http never closes a request whose answer is complete
   * while its body was still coming in, when the caller then goes away.
   */
  function admit(req: IncomingMessage, res: ServerResponse, out: Outcome) {
    let release: () => void;
    try {
      release = o.limits.admit(out.client);
    } catch (e) {
      out.limited = true;
      throw e;
    }
    const socket = req.socket;
    const free = () => {
      socket.off("close", free);
      release();
    };
    let open = 2;
    const closed = () => --open === 0 && free();
    req.once("close", closed);
    res.once("close", closed);
    socket.once("close", free);
  }

  return async function gateway(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const out: Outcome = { action: "unknown", route: "(unmatched)", client: o.limits.clientOf(req) };
    let status: number;
    let outcome: "allowed" | "denied" | "error";
    let detail: string | undefined;
    // Before any refusal too: a refused caller's small body is still read (and dropped).
    cutOffIdleSender(req, o.idleTimeoutMs);
    try {
      admit(req, res, out);
      ({ status, outcome } = await handle(req, res, out));
    } catch (e) {
      const error = e instanceof GatewayError ? e : new GatewayError("INTERNAL_ERROR", "The hub failed to handle this request.");
      if (!(e instanceof GatewayError)) o.log.error({ err: e, route: out.route }, "gateway failure");
      status = error.status;
      outcome = status >= 500 ? "error" : "denied";
      detail = error.code;
      const caller = status === 401 ? await unauthenticatedCaller(req) : undefined;
      if (caller?.browser && wantsHtml(req)) {
        res.writeHead(302, { location: o.signInUrl(req.url ?? "/", caller.ended), "cache-control": "no-store" });
        res.end();
      } else {
        // A small rest of a body is read and dropped, so the connection stays usable (and the answer
        // is not lost to a reset); a big or unsized one is not waited for.
        const declared = req.headers["content-length"];
        const big = declared === undefined ? req.headers["transfer-encoding"] !== undefined : !(Number(declared) <= MAX_INSPECTED_BODY);
        if (!req.complete && big) res.setHeader("connection", "close");
        sendError(res, error);
      }
      if (!req.readableEnded) req.resume();
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    gatewayRequests.labels(out.action, outcome, String(status)).observe(seconds);
    const method = req.method ?? "GET";
    if (!out.limited && (outcome !== "allowed" || out.action === "write" || out.action === "delete")) {
      o.audit.record({
        time: new Date(),
        userId: out.userId,
        username: out.username,
        projectId: out.access?.project.id,
        projectPath: out.access?.project.path,
        route: out.route,
        method,
        action: out.action === "unknown" ? "refused" : out.action,
        outcome,
        status,
        detail,
        token: out.access?.credential,
      });
    }
    o.log.info({ method, route: out.route, action: out.action, project: out.access?.project.id, user: out.username, client: out.client, status, outcome, ms: Math.round(seconds * 1000) }, "gateway");
  };
}
