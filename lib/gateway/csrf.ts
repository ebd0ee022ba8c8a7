import type { IncomingHttpHeaders } from "node:http";
import { GatewayError } from "./errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const crossSite = (why: string) =>
  new GatewayError(
    "PERMISSION_DENIED",
    `${why} A request signed in with the hub's session cookie may change nothing unless it comes from the hub's own pages; scripts send a token (MLFLOW_TRACKING_TOKEN) instead.`,
  );

const originOf = (value: string): string | undefined => {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Cross-site request forgery: a page elsewhere (another site, or a sibling host of the same
 * site — SameSite=Lax cookies still travel there — such as an artifact store published under
 * a subdomain) makes the browser send the hub's session cookie with a request that changes
 * something. Such a request through the gateway is refused unless the browser says it comes
 * from the hub itself: `Sec-Fetch-Site: same-origin` where the browser sends it, and an
 * `Origin` that is the hub's (AUTH_URL) or names the very host the request was sent to.
 * Browsers send `Origin` with every request that is not a GET or HEAD; one without both
 * headers is not a browser's, and a cookie without them proves no origin: refused too.
 * Only cookie-authenticated requests are checked: a token is not sent by the browser on its own.
 */
export function refuseCrossSite(method: string, headers: IncomingHttpHeaders, hubOrigin: string | undefined): void {
  if (SAFE_METHODS.has(method)) return;
  const site = headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin") throw crossSite(`This request came from another site (Sec-Fetch-Site: ${site}).`);
  const origin = headers.origin;
  if (origin === undefined) {
    if (site === "same-origin") return;
    throw crossSite("This request says nothing of where it comes from (no Origin header).");
  }
  const from = originOf(origin);
  const host = headers.host?.toLowerCase();
  const sameHost = from !== undefined && host !== undefined && new URL(from).host === host;
  if (from === undefined || !(from === hubOrigin || sameHost)) throw crossSite(`This request came from another origin (${from ?? "an opaque origin"}).`);
}
