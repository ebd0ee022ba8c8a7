import net from "node:net";
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { GatewayError, unavailable } from "./errors";

// RFC 9110 §7.6.1 connection-specific headers, plus what must never reach MLflow from a caller:
// credentials (MLflow must not see GitLab tokens or the hub's cookie), Expect (we stream, no 100-continue
// handshake to relay), the workspace (ours is the only one), and forwarding claims we did not make.
const DROP_REQUEST = new Set([
  "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
  "host", "authorization", "cookie", "expect", "x-mlflow-workspace", "job-token", "private-token",
  "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-prefix", "x-real-ip",
]);
// Of MLflow's answer: its cookies, and its CSP, should it ever send one: the hub's policy for the route
// (content-policy.ts, set before the gateway runs) is the one the browser must enforce on the hub's origin.
const DROP_RESPONSE = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "set-cookie", "content-security-policy"]);

export interface ForwardTarget {
  /** MLflow's base URL (internal network). */
  base: URL;
  /** Path and query to request from MLflow, percent-encoded as the caller sent it. */
  path: string;
  /** Absent only for public routes, which touch no project data (static files, health, version). */
  workspace?: string;
  /** A body the gateway read (and may have rewritten); otherwise the caller's body streams through. */
  body?: Buffer;
  /** Headers the gateway adds (the serving runtime's credential), after the caller's are filtered. */
  headers?: Record<string, string>;
  /** Another agent than MLflow's (the serving runtime's, which keeps connections alive). */
  agent?: http.Agent;
  /** What the caller is told is unavailable when the upstream cannot be reached; MLflow by default. */
  upstream?: string;
  /** Which of the agent's pools (the serving runtime's tunnels are one per instance). */
  instance?: string;
}

function connectionTokens(headers: IncomingHttpHeaders): Set<string> {
  const value = headers.connection;
  return new Set(value ? value.toLowerCase().split(",").map((t) => t.trim()) : []);
}

export function upstreamHeaders(incoming: IncomingHttpHeaders, target: ForwardTarget): http.OutgoingHttpHeaders {
  const named = connectionTokens(incoming);
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || DROP_REQUEST.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  out.host = target.base.host;
  if (target.workspace) out["x-mlflow-workspace"] = target.workspace;
  if (target.body) out["content-length"] = String(target.body.length);
  if (target.headers) Object.assign(out, target.headers);
  return out;
}

export function downstreamHeaders(upstream: IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = connectionTokens(upstream);
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || DROP_RESPONSE.has(name) || named.has(name)) continue;
    out[name] = value;
  }
  return out;
}

/** What libuv reads per call: the size of each connection's read buffer. */
export const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Connections to MLflow that read into one buffer each instead of a new one per read.
 *
 * By default every socket read allocates a fresh 64 KiB Buffer, and node:http's parser then copies
 * the body out of it into another one: two short-lived allocations per 64 KiB of an artifact
 * download. That garbage is what costs, not the copying: V8 (Node 20) counts external memory
 * allocated since the last full GC against the old generation's headroom, which is only a few MiB
 * in the hub's heap, so a download set off a full mark-compact every few tens of MiB
 * (docs/benchmarks.md). Reading into a per-connection buffer halves that garbage.
 *
 * Safe because node:http's parser copies whatever it keeps (body chunks, header strings) before the
 * next read can overwrite the buffer; the one exception, the bytes after an Upgrade/CONNECT
 * response, cannot happen here: the gateway strips Upgrade and has no CONNECT route.
 */
class ReadIntoBufferAgent extends http.Agent {
  override createConnection(options: http.ClientRequestArgs): net.Socket {
    const buffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
    const socket: net.Socket = net.createConnection({
      ...(options as net.TcpNetConnectOpts),
      // With onread the socket emits no 'data' of its own, and node:http's client listens for exactly that.
      // Always true: like a default socket, one without listeners (idle in the pool) drops what it reads
      // instead of pausing, so it still sees MLflow close it.
      onread: {
        buffer,
        callback: (bytes) => {
          socket.emit("data", buffer.subarray(0, bytes));
          return true;
        },
      },
    });
    return socket;
  }
}

/**
 * One connection to MLflow per request, on purpose. `mlflow server` runs uvicorn with
 * --workers, whose pre-bound listening socket never gets TCP_NODELAY (asyncio only sets it
 * on sockets created with proto=IPPROTO_TCP), so on a reused connection each answer's second
 * segment waits for our delayed ACK: measured 50–60 ms per request on a kept-alive
 * connection against 10–17 ms on a fresh one (MLflow 3.17.2, /version and experiments/search).
 * A local or same-network TCP handshake costs a fraction of a millisecond.
 */
export const mlflowAgent: http.Agent = new ReadIntoBufferAgent({ keepAlive: false, maxSockets: 256 });

/** How much of an MLflow 5xx body is kept for the log: the caller never sees it (onFailure). */
const FAILURE_BODY_BYTES = 64 * 1024;

/**
 * Streams the request to MLflow and MLflow's answer back, both in constant
 * memory, with backpressure both ways. MLflow unreachable before it answered is
 * `onError`'s 503; an MLflow 5xx goes to `onFailure` with its body instead of to
 * the caller. Resolves with MLflow's status (or the gateway's, on failure) once
 * the exchange with the caller is over.
 *
 * The request to MLflow never outlives that exchange: when the caller's side
 * closes for any reason (it hung up, a timeout cut it off, or its answer is
 * complete while it is still sending a body MLflow did not wait for), a request
 * to MLflow still under way is destroyed and its socket goes back to the agent.
 * Otherwise a body left half-sent holds one of the agent's sockets for good:
 * MLflow waits for the rest, and node:http stops piping the caller's body once
 * the caller's answer is done (issue 11: 256 sockets held, every request hung).
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: ForwardTarget,
  onError: (e: GatewayError) => void,
  onFailure?: (status: number, body: string) => void,
): Promise<number> {
  return new Promise((resolve) => {
    const upstream = http.request({
      protocol: target.base.protocol,
      hostname: target.base.hostname,
      port: target.base.port,
      method: req.method,
      path: target.path,
      headers: upstreamHeaders(req.headers, target),
      agent: target.agent ?? mlflowAgent,
      ...(target.instance ? { instance: target.instance } : {}),
    } as http.RequestOptions);
    let status = 503;
    let answered = false;
    res.once("close", () => {
      if (!answered || !upstream.writableFinished) upstream.destroy();
      resolve(status);
    });
    req.once("close", () => {
      if (!req.complete) upstream.destroy();
    });

    upstream.on("response", (answer) => {
      status = answer.statusCode ?? 502;
      answer.once("end", () => (answered = true));
      answer.once("error", () => res.destroy());
      if (status >= 500 && onFailure) {
        const chunks: Buffer[] = [];
        let kept = 0;
        answer.on("data", (c: Buffer) => {
          if (kept < FAILURE_BODY_BYTES) chunks.push(c.subarray(0, FAILURE_BODY_BYTES - kept));
          kept += c.length;
        });
        answer.once("end", () => onFailure(status, Buffer.concat(chunks).toString("utf8")));
        return;
      }
      res.writeHead(status, downstreamHeaders(answer.headers));
      answer.pipe(res);
    });
    upstream.on("error", () => {
      if (res.headersSent) return void res.destroy();
      onError(unavailable(target.upstream ?? "MLflow"));
    });

    if (target.body) upstream.end(target.body);
    else req.pipe(upstream);
  });
}
