// The forwarder built on http-proxy-middleware, the B side of bench/forwarder-ab.ts: the same
// signature, agent, header policy and hang-up rule as lib/gateway/forward.ts, so only the proxying
// machinery differs. It lives here, not in lib/, because it lost (docs/architecture.md).
// http-proxy-middleware 4.x needs Node 22.15+; on the hub's Node 20 that is 3.0.11, on
// node-http-proxy 1.18.1. Not a dependency of the hub: bench/forwarder-ab.ts installs it under
// .local/bench-hpm (HPM_PREFIX elsewhere).
import type { Agent, ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { type GatewayError, unavailable } from "../lib/gateway/errors.ts";
import { downstreamHeaders, mlflowAgent, upstreamHeaders, type ForwardTarget } from "../lib/gateway/forward.ts";

export const HPM_PREFIX = process.env.HPM_PREFIX ?? path.join(import.meta.dirname, "..", ".local", "bench-hpm");

/** The part of http-proxy-middleware's API used here (its own types are not installed with the hub). */
interface HpmOptions {
  target: string;
  agent: Agent;
  ejectPlugins: boolean;
  plugins: unknown[];
  pathRewrite: (path: string, req: IncomingMessage) => string;
  on: {
    proxyReq: (proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse) => void;
    proxyRes: (proxyRes: IncomingMessage, req: IncomingMessage) => void;
    error: (err: Error, req: IncomingMessage, res: unknown) => void;
  };
}
type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => Promise<void>;
const { createProxyMiddleware, proxyEventsPlugin } = createRequire(path.join(HPM_PREFIX, "package.json"))("http-proxy-middleware") as {
  createProxyMiddleware: (o: HpmOptions) => Middleware;
  proxyEventsPlugin: unknown;
};

interface Exchange {
  target: ForwardTarget;
  onError: (e: GatewayError) => void;
  status: number;
}
const exchanges = new WeakMap<IncomingMessage, Exchange>();

/**
 * node-http-proxy aborts MLflow's side only on the request's 'aborted', which node:http no longer
 * emits once the answer is complete (issue 11, hole 1): forward.ts's rule, added through the one
 * handle the middleware gives on the outgoing request.
 */
function endWithCaller(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse) {
  res.once("close", () => {
    if (!proxyReq.writableFinished || !res.writableFinished) proxyReq.destroy();
  });
  req.once("close", () => {
    if (!req.complete) proxyReq.destroy();
  });
}

function proxyFor(base: URL) {
  return createProxyMiddleware({
    target: base.origin,
    agent: mlflowAgent,
    // Of the default plugins only the one that wires `on` below: the others log every request and
    // answer errors in their own format.
    ejectPlugins: true,
    plugins: [proxyEventsPlugin],
    pathRewrite: (_path, req) => exchanges.get(req)!.target.path,
    on: {
      proxyReq: (proxyReq, req, res) => {
        // node-http-proxy 1.18.1 calls this on the request's 'socket': when the agent had no free
        // socket, the caller's body has already started the request with the caller's own headers
        // (credentials included). Removing them would throw and end the process; refuse instead.
        if (proxyReq.headersSent) return void proxyReq.destroy(new Error("the request to MLflow started before the header policy ran"));
        const { target } = exchanges.get(req)!;
        for (const name of proxyReq.getHeaderNames()) proxyReq.removeHeader(name);
        for (const [name, value] of Object.entries(upstreamHeaders(req.headers, target))) proxyReq.setHeader(name, value!);
        endWithCaller(proxyReq, req, res);
        // A body the gateway already read: written here, as the middleware's own fixRequestBody does;
        // the proxy then pipes the spent request, which ends the outgoing one.
        if (target.body) proxyReq.write(target.body);
      },
      proxyRes: (proxyRes, req) => {
        exchanges.get(req)!.status = proxyRes.statusCode ?? 502;
        const kept = downstreamHeaders(proxyRes.headers);
        for (const name of Object.keys(proxyRes.headers)) if (!(name in kept)) delete proxyRes.headers[name];
      },
      error: (_err, req, res) => {
        const response = res as ServerResponse;
        if (response.headersSent) return void response.destroy();
        exchanges.get(req)!.onError(unavailable("MLflow"));
      },
    },
  });
}

const proxies = new Map<string, ReturnType<typeof proxyFor>>();

export function forward(req: IncomingMessage, res: ServerResponse, target: ForwardTarget, onError: (e: GatewayError) => void): Promise<number> {
  let proxy = proxies.get(target.base.origin);
  if (!proxy) proxies.set(target.base.origin, (proxy = proxyFor(target.base)));
  const exchange: Exchange = { target, onError, status: 503 };
  exchanges.set(req, exchange);
  return new Promise((resolve) => {
    res.once("close", () => resolve(exchange.status));
    void proxy(req, res, () => undefined);
  });
}
