/**
 * The browser-facing security headers of the hub's own pages (everything Next serves).
 * No Next or React imports: proxy.ts calls these per request, the tests call them directly.
 */

/** Sent with every answer of the hub, its pages, the gateway and /metrics alike (hub-server.ts). */
export const BASELINE_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  // Cross-origin links (GitLab, MLflow's docs) get no referrer: hub paths name private projects.
  "Referrer-Policy": "same-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), browsing-topics=()",
};

/** GitLab serves uploaded avatars from its own origin, the others from Gravatar (`avatar_url` of /user and members). */
const AVATAR_ORIGINS = ["https://secure.gravatar.com", "https://www.gravatar.com"];

export interface HubPagePolicyInput {
  /** Fresh for every request (`newNonce`). */
  nonce: string;
  /** The GitLab instance: avatars, and where the sign-in form's answer redirects to. */
  gitlabUrl: string;
  /** `next dev`: React rebuilds server error stacks with eval, and the dev overlay injects its own styles. */
  dev: boolean;
}

/**
 * The CSP of a hub page. Scripts run only with this request's nonce, which Next stamps on its
 * own scripts, or when loaded by one ('strict-dynamic'); no inline style without it either.
 * Measured in Chromium over every page type (e2e/browser/security-headers.spec.ts): the pages'
 * `style={…}` props (recharts, the compare page's colours) are set from script after hydration,
 * which CSP does not govern, so no 'unsafe-inline' is needed, for attributes either.
 */
export function hubPagePolicy({ nonce, gitlabUrl, dev }: HubPagePolicyInput): string {
  const gitlab = new URL(gitlabUrl).origin;
  const directives: [string, ...string[]][] = [
    ["default-src", "'self'"],
    ["script-src", "'self'", `'nonce-${nonce}'`, "'strict-dynamic'", ...(dev ? ["'unsafe-eval'"] : [])],
    ["style-src", "'self'", ...(dev ? ["'unsafe-inline'"] : [`'nonce-${nonce}'`])],
    ["img-src", "'self'", "data:", gitlab, ...AVATAR_ORIGINS],
    ["font-src", "'self'"],
    ["connect-src", "'self'"],
    ["object-src", "'none'"],
    ["frame-src", "'none'"],
    ["worker-src", "'none'"],
    ["base-uri", "'none'"],
    // Sign-in posts to the hub, whose answer redirects to GitLab's authorize page: form-action covers redirects.
    ["form-action", "'self'", gitlab],
    ["frame-ancestors", "'none'"],
  ];
  return directives.map((d) => d.join(" ")).join("; ");
}

/** The hub's pages are never framed, not even by the hub (X-Frame-Options for browsers without frame-ancestors). */
export const HUB_PAGE_HEADERS: Readonly<Record<string, string>> = { "X-Frame-Options": "DENY" };

/** 128 random bits, base64: a nonce no attacker can guess from earlier pages. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString("base64");
}
