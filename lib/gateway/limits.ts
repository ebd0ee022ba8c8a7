import type { IncomingMessage } from "node:http";
import ipaddr from "ipaddr.js";
import proxyaddr from "proxy-addr";
import { createBudgetBook, type BudgetStore } from "./budgets";
import { GatewayError } from "./errors";

export interface LimitsOptions {
  /** Gateway requests in flight at once, all clients together; past it: 503. */
  maxRequests: number;
  /** Gateway requests in flight at once from one client address; past it: 429. */
  maxRequestsPerClient: number;
  /** Lookups that cost a GitLab (or database) call, per client address and minute. */
  lookupsPerMinute: number;
  /** Failed authentications per client address and minute; past them the address gets no new lookups. */
  authFailuresPerMinute: number;
  /** Proxies whose X-Forwarded-For is believed: addresses, CIDRs, or proxy-addr's loopback/linklocal/uniquelocal. */
  trustedProxies: readonly string[];
  /** Where the replicas share the per-minute budgets (budgets.ts); without it they are per process. */
  shared?: { store: BudgetStore; syncIntervalMs?: number; autoSync?: boolean; onSyncError?: (error: unknown) => void };
  now?: () => number;
}

const limited = (why: string, retryAfterSeconds: number) =>
  new GatewayError("REQUEST_LIMIT_EXCEEDED", why, { "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))) });

/**
 * The address a limit counts against. One IPv6 host usually holds a whole /64, so IPv6
 * addresses count per /64; IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
 */
export function clientKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === "ipv4") return ip.toString();
  return `${(ip as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(":")}::/64`;
}

/**
 * What one caller may cost the hub: requests in flight (per client address and in all),
 * lookups that reach GitLab, and failed authentications. Requests answered from the
 * access cache never touch a lookup budget, so one address's burst of unknown tokens is
 * refused at once, before it costs a GitLab call, and delays no one's cached requests.
 */
export function createLimits(o: LimitsOptions) {
  const trust = proxyaddr.compile([...o.trustedProxies]);
  const inFlight = new Map<string, number>();
  let total = 0;
  const budgets = createBudgetBook({
    now: o.now ?? Date.now,
    perMinute: { lookups: o.lookupsPerMinute, auth_failures: o.authFailuresPerMinute },
    ...o.shared,
  });

  return {
    /** The caller's address: the socket's peer, or what a trusted proxy says it forwarded for. */
    clientOf: (req: IncomingMessage): string => clientKey(proxyaddr(req, trust)),

    /** Takes a slot for one request, or throws; the returned function gives it back (once). */
    admit(client: string): () => void {
      const mine = inFlight.get(client) ?? 0;
      if (mine >= o.maxRequestsPerClient) throw limited(`Too many requests in flight from your address (at most ${o.maxRequestsPerClient}): wait for some to finish.`, 1);
      if (total >= o.maxRequests) throw new GatewayError("TEMPORARILY_UNAVAILABLE", "The hub is serving as many requests as it can: try again shortly.", { "retry-after": "2" });
      inFlight.set(client, mine + 1);
      total++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total--;
        const left = (inFlight.get(client) ?? 1) - 1;
        if (left > 0) inFlight.set(client, left);
        else inFlight.delete(client);
      };
    },

    /** Before a lookup the cache cannot answer: throws while the address is out of lookups or has failed too often. */
    chargeLookup(client: string) {
      const failed = budgets.wait("auth_failures", client);
      if (failed > 0) throw limited("Too many failed authentications from your address: check the token (MLFLOW_TRACKING_TOKEN) and retry later.", failed);
      const wait = budgets.wait("lookups", client);
      if (wait > 0) throw limited("Too many new tokens or projects from your address at once: retry shortly.", wait);
      budgets.spend("lookups", client);
    },

    /** A credential GitLab (or the hub's session store) did not accept. */
    failedAuthentication(client: string) {
      budgets.spend("auth_failures", client);
    },

    /** Sends this replica's spending to the others and reads theirs (a timer does it every interval). */
    syncBudgets: budgets.sync,
    /** Stops the sync timer. */
    close: budgets.close,
  };
}

export type Limits = ReturnType<typeof createLimits>;

/**
 * Cuts a request off when its caller leaves `idleMs` without sending a byte of the body while
 * the gateway is reading it. Not a total limit: an upload of any size goes through while its
 * bytes flow. Time the gateway spends not reading (deciding, or paused by MLflow's backpressure)
 * is not the caller's silence. Watches the socket's byte count rather than the body's 'data',
 * which would start the body flowing before anyone reads it.
 */
export function cutOffIdleSender(req: IncomingMessage, idleMs: number) {
  const declaresBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
  if (idleMs <= 0 || req.complete || !declaresBody) return;
  const socket = req.socket;
  let bytes = socket.bytesRead;
  let lastProgress = Date.now();
  const timer = setInterval(() => {
    const t = Date.now();
    if (socket.bytesRead !== bytes || req.readableFlowing !== true) {
      bytes = socket.bytesRead;
      lastProgress = t;
    } else if (t - lastProgress >= idleMs) {
      clearInterval(timer);
      socket.destroy();
    }
  }, Math.max(50, idleMs / 4));
  timer.unref();
  const stop = () => clearInterval(timer);
  req.once("end", stop);
  req.once("close", stop);
}
