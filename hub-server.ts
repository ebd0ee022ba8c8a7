import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import next from "next";
import { hubTokenKeyring } from "@/lib/auth/token-keys";
import { configOrExit } from "@/lib/config";
import { logger } from "@/lib/logger";
import { GATEWAY_ROOT } from "@/lib/gateway/project-path";
import { gatewayPolicy } from "@/lib/gateway/content-policy";
import { collectProcessMetrics, metricsRegistry } from "@/lib/gateway/metrics";
import { metricsAccess } from "@/lib/metrics-access";
import { BASELINE_HEADERS } from "@/lib/security-headers";
import { hubGateway } from "@/server/gateway";

/**
 * The hub's HTTP server. MLflow traffic (/mlflow/**) goes straight to the
 * gateway on node:http — streamed, no framework in the way, a fraction of
 * Next's per-request cost — and /metrics to Prometheus; everything else is Next.
 */
async function main() {
  const { GATEWAY_IDLE_TIMEOUT, METRICS_TOKEN } = configOrExit();
  const dev = process.env.NODE_ENV !== "production";
  const dir = process.env.HUB_DIR ?? process.cwd();
  const port = Number(process.env.PORT ?? 3000);
  const hostname = process.env.HOSTNAME ?? "0.0.0.0";
  const log = logger();
  // Says at start which key seals GitLab tokens, or warns that it is derived from AUTH_SECRET.
  hubTokenKeyring();

  let conf: Record<string, unknown> | undefined;
  if (!dev) {
    // The configuration `next build` resolved, as Next's own standalone server loads it.
    conf = JSON.parse(fs.readFileSync(path.join(dir, ".next", "required-server-files.json"), "utf8")).config;
    process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(conf);
  }
  const app = next({ dev, dir, hostname, port, conf, customServer: true });
  await app.prepare();
  const nextHandler = app.getRequestHandler();
  const gateway = hubGateway(log.child({ component: "gateway" }));
  collectProcessMetrics();

  // Request headers have GATEWAY_IDLE_TIMEOUT to arrive in full, checked every second (Node's default
  // check runs every 30 s); bodies are watched by the gateway (limits.ts cutOffIdleSender).
  const idleMs = GATEWAY_IDLE_TIMEOUT * 1000;
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1000, idleMs), headersTimeout: idleMs, requestTimeout: 0 }, (req, res) => {
    const url = req.url ?? "/";
    // An origin server takes origin-form targets only: an absolute-form one (`GET http://elsewhere/…`)
    // would have Next redirect to the host it names.
    if (!url.startsWith("/")) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Bad request target\n");
      return;
    }
    for (const [name, value] of Object.entries(BASELINE_HEADERS)) res.setHeader(name, value);
    if (url.startsWith(GATEWAY_ROOT)) {
      // writeHead (the gateway's own answers, and MLflow's headers in forward.ts) keeps what is set here.
      const q = url.indexOf("?");
      res.setHeader("Content-Security-Policy", gatewayPolicy(q < 0 ? url : url.slice(0, q)));
      return void gateway(req, res);
    }
    if (url === "/metrics") {
      const access = metricsAccess(METRICS_TOKEN, req.headers.authorization, req.socket.remoteAddress);
      if (access.status === "deny") {
        res.writeHead(access.code, { "content-type": "text/plain", ...(access.code === 401 ? { "www-authenticate": 'Bearer realm="metrics"' } : {}) });
        res.end(`${access.message}\n`);
        return;
      }
      void metricsRegistry.metrics().then((body) => {
        res.writeHead(200, { "content-type": metricsRegistry.contentType });
        res.end(body);
      });
      return;
    }
    void nextHandler(req, res);
  });
  // requestTimeout 0 (above): multi-GB artifact uploads take longer than any total limit; the idle limits cut slow senders instead.
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => log.info({ port, hostname, dev }, "hub listening"));

  // A stopping replica (a rolling update, a scale-down) answers what it has in flight, then writes
  // the audit rows still buffered before it exits: every replica's rows reach the table.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close(() => void gateway.flushAudit().finally(() => process.exit(0)));
    server.closeIdleConnections();
    void gateway.flushAudit();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
