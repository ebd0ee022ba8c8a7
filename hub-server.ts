import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import next from "next";
import { configOrExit } from "@/lib/config";
import { logger } from "@/lib/logger";
import { GATEWAY_ROOT } from "@/lib/gateway/project-path";
import { collectProcessMetrics, metricsRegistry } from "@/lib/gateway/metrics";
import { hubGateway } from "@/server/gateway";

/**
 * The hub's HTTP server. MLflow traffic (/mlflow/**) goes straight to the
 * gateway on node:http — streamed, no framework in the way, a fraction of
 * Next's per-request cost — and /metrics to Prometheus; everything else is Next.
 */
async function main() {
  configOrExit();
  const dev = process.env.NODE_ENV !== "production";
  const dir = process.env.HUB_DIR ?? process.cwd();
  const port = Number(process.env.PORT ?? 3000);
  const hostname = process.env.HOSTNAME ?? "0.0.0.0";
  const log = logger();

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

  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    // An origin server takes origin-form targets only: an absolute-form one (`GET http://elsewhere/…`)
    // would have Next redirect to the host it names.
    if (!url.startsWith("/")) {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end("Bad request target\n");
      return;
    }
    if (url.startsWith(GATEWAY_ROOT)) return void gateway(req, res);
    if (url === "/metrics") {
      void metricsRegistry.metrics().then((body) => {
        res.writeHead(200, { "content-type": metricsRegistry.contentType });
        res.end(body);
      });
      return;
    }
    void nextHandler(req, res);
  });
  // Multi-GB artifact uploads take longer than Node's default request timeout.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => log.info({ port, hostname, dev }, "hub listening"));

  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

void main();
