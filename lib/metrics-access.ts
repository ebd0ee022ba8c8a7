import { createHash, timingSafeEqual } from "node:crypto";
import ipaddr from "ipaddr.js";

export type MetricsAccess = { status: "allow" } | { status: "deny"; code: 401 | 403; message: string };

const digest = (s: string) => createHash("sha256").update(s).digest();

function isLoopback(address: string | undefined): boolean {
  if (!address || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === "loopback";
}

/**
 * Who may read /metrics. With METRICS_TOKEN set, whoever sends it as a Bearer token, from
 * anywhere (Prometheus on the compose network); without one, only a caller on this host's
 * loopback: the numbers name projects' traffic and the hub's GitLab calls.
 */
export function metricsAccess(token: string | undefined, authorization: string | undefined, remoteAddress: string | undefined): MetricsAccess {
  if (!token) {
    return isLoopback(remoteAddress) ? { status: "allow" } : { status: "deny", code: 403, message: "/metrics answers loopback callers only while METRICS_TOKEN is not set" };
  }
  const sent = /^Bearer +(\S+) *$/i.exec(authorization ?? "")?.[1];
  // Compared as digests, in constant time: a response time must not say how much of a guess was right.
  if (sent !== undefined && timingSafeEqual(digest(sent), digest(token))) return { status: "allow" };
  return { status: "deny", code: 401, message: "/metrics needs the METRICS_TOKEN as a Bearer token" };
}
