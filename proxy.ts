import { NextResponse, type NextRequest } from "next/server";
import { config as hubConfig } from "@/lib/config";
import { HUB_PAGE_HEADERS, hubPagePolicy, newNonce } from "@/lib/security-headers";

/**
 * A fresh CSP nonce for every page. Next reads it from the request's Content-Security-Policy
 * header and stamps it on the scripts it renders, which is why every page renders per request
 * (the root layout is dynamic). The browser reads the same policy from the response.
 */
export function proxy(request: NextRequest) {
  const policy = hubPagePolicy({ nonce: newNonce(), gitlabUrl: hubConfig().GITLAB_URL, dev: process.env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("Content-Security-Policy", policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("Content-Security-Policy", policy);
  for (const [name, value] of Object.entries(HUB_PAGE_HEADERS)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Not the gateway (hub-server.ts routes /mlflow/ past Next, and proxy.ts would cut bodies at
  // 10 MB), /metrics (hub-server.ts too), nor the build's static files, which no browser runs as a page.
  matcher: ["/((?!mlflow/|metrics$|_next/static/|_next/image|favicon\\.ico$).*)"],
};
