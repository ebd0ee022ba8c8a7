import { safeReturnPath } from "@/lib/dashboard/safe-return";

/**
 * Where a browser goes to sign in, coming back to `returnTo` (a path inside the hub only).
 * `ended`: the hub ended its session because GitLab no longer accepts its token, which the
 * sign-in page says.
 */
export function signInPath(returnTo: string, ended = false): string {
  return `/signin?callbackUrl=${encodeURIComponent(safeReturnPath(returnTo))}${ended ? "&reason=expired" : ""}`;
}
