const BASE = "http://hub.invalid";

/** Starts like a network-path reference ("//host", "/\host"), which a browser resolves to another origin. */
const leavesOrigin = (path: string) => path.startsWith("//") || path.startsWith("/\\");

/**
 * A return address inside this hub only: a path, never another origin. Judged
 * after the URL parser has normalised it, since that is the form it leaves in:
 * "/.//evil.example", "/a/..//x" and "/%2e//x" all normalise to "//…".
 */
export function safeReturnPath(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/") || leavesOrigin(value)) return fallback;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return fallback;
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === BASE && path.startsWith("/") && !leavesOrigin(path) ? path : fallback;
}
