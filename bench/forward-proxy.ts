// A bare server around lib/gateway/forward.ts, for bench/artifact-ab.ts: no authentication, no
// route table, just forward() to MLflow with the workspace the caller names — the streaming part of
// the gateway in isolation, so a change to forward.ts can be measured without a hub build.
//
//   set -a; . .local/h3/env; set +a
//   npx tsx bench/forward-proxy.ts 6390 &                                  # this checkout's forward.ts
//   FORWARD_MODULE=/tmp/old/forward.ts npx tsx bench/forward-proxy.ts 6391 &   # another version of it
//   npx tsx bench/artifact-ab.ts --target direct=direct --target new=http://127.0.0.1:6390 --target old=http://127.0.0.1:6391
//
// UPSTREAM_URL overrides MLflow's URL (e.g. a synthetic server).
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { forward as Forward } from "../lib/gateway/forward.ts";

const port = Number(process.argv[2] ?? 6390);
const base = new URL(process.env.UPSTREAM_URL ?? process.env.MLFLOW_URL!);
const modulePath = process.env.FORWARD_MODULE ? path.resolve(process.env.FORWARD_MODULE) : path.join(import.meta.dirname, "..", "lib", "gateway", "forward.ts");
const { forward } = (await import(pathToFileURL(modulePath).href)) as { forward: typeof Forward };

const server = http.createServer((req, res) => {
  const workspace = String(req.headers["x-mlflow-workspace"] ?? "");
  void forward(req, res, { base, path: req.url ?? "/", workspace }, (e) => {
    res.writeHead(e.status, { "content-type": "application/json" });
    res.end(e.body());
  });
});
server.requestTimeout = 0;
server.keepAliveTimeout = 65_000;
server.listen(port, "127.0.0.1", () => console.log(`forward-proxy on http://127.0.0.1:${port} → ${base.href} with ${modulePath} (pid ${process.pid})`));
