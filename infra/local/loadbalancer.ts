import fs from "node:fs";
import path from "node:path";
import { httpOk, LaunchError, spawnService, waitUntilHealthy, type Service } from "./proc.ts";

/** Debian's HAProxy (scripts/setup --tests installs it). */
export const HAPROXY = process.env.HAPROXY_PATH ?? "/usr/sbin/haproxy";

/** The response header naming the hub that served a request (tests and the benchmark read it). */
export const REPLICA_HEADER = "x-hub-replica";

/**
 * HAProxy's configuration for hubs on loopback: round robin per request (no stickiness, so
 * every replica must serve any session), health checks on /api/health every second (a hub is
 * out after two failed checks; a busy one has 5 s to answer, so a loaded machine does not take
 * every hub out at once), connection failures re-sent to another hub at once, bodies
 * streamed with no size limit, long transfers allowed (the hub's idle timeout cuts slow
 * senders), and X-Forwarded-For added for the hubs' TRUSTED_PROXIES.
 */
export function haproxyConfig(o: { port: number; hubPorts: number[] }): string {
  return [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  option forwardfor",
    "  option redispatch",
    "  retries 2",
    "  timeout connect 2s",
    "  timeout check 5s",
    "  timeout http-request 30s",
    "  timeout http-keep-alive 65s",
    "  timeout client 1h",
    "  timeout server 1h",
    "frontend hubs",
    `  bind 127.0.0.1:${o.port}`,
    "  default_backend hubs",
    "backend hubs",
    "  balance roundrobin",
    "  option httpchk GET /api/health",
    "  http-check expect status 200",
    `  http-response set-header ${REPLICA_HEADER} %s`,
    ...o.hubPorts.map((p, i) => `  server hub-${i + 1} 127.0.0.1:${p} check inter 1s fall 2 rise 1`),
    "",
  ].join("\n");
}

/** Starts HAProxy in front of `hubPorts`; ready once it answers /api/health through a hub. */
export async function startLoadBalancer(opts: { dir: string; logDir: string; port: number; hubPorts: number[] }): Promise<Service> {
  if (!fs.existsSync(HAPROXY)) throw new LaunchError(`${HAPROXY} is missing: run scripts/setup --tests (it installs Debian's haproxy)`);
  fs.mkdirSync(opts.dir, { recursive: true });
  const config = path.join(opts.dir, "haproxy.cfg");
  fs.writeFileSync(config, haproxyConfig(opts));
  // -db: stay in the foreground; -W: master-worker, so SIGUSR2 reloads and SIGTERM stops both.
  const service = spawnService({ name: "load-balancer", command: HAPROXY, args: ["-W", "-db", "-f", config], env: { PATH: process.env.PATH }, logDir: opts.logDir, stopSignal: "SIGTERM" });
  await waitUntilHealthy(service, () => httpOk(`http://127.0.0.1:${opts.port}/api/health`), 20_000);
  return service;
}
