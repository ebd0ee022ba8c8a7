import "server-only";
import { config } from "@/lib/config";
import { createStacApi } from "@/lib/stac/api";
import { logger } from "@/lib/logger";
import { callerSource } from "./source";

let api: ReturnType<typeof createStacApi> | undefined;

/**
 * Answers are for one caller (permission-filtered): never stored by a cache in between. Any
 * origin may read them (STAC Browser runs anywhere); `*` makes browsers leave cookies out, so
 * another site sees only what an anonymous caller sees, or what its own token allows.
 */
const HEADERS = {
  "cache-control": "private, no-store",
  vary: "authorization, cookie",
  "access-control-allow-origin": "*",
};

export function stacPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: { ...HEADERS, "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": "authorization, content-type", "access-control-max-age": "600" },
  });
}

/** /api/stac/<segments>: the STAC API (lib/stac/api.ts) over what this request's caller may read. */
export async function serveStac(request: Request, segments: string[]): Promise<Response> {
  const c = config();
  api ??= createStacApi({ hubUrl: c.AUTH_URL, topics: c.STAC_TOPIC_COLLECTIONS });
  try {
    const res = await api(
      { method: request.method, segments, query: new URL(request.url).searchParams, body: () => request.json().catch(() => undefined) },
      () => callerSource(request),
    );
    return new Response(request.method === "HEAD" ? null : JSON.stringify(res.body), { status: res.status, headers: { ...res.headers, ...HEADERS } });
  } catch (e) {
    logger().error({ err: e }, "STAC request failed");
    return Response.json({ code: "ServerError", description: "The hub failed to answer this STAC request." }, { status: 500, headers: HEADERS });
  }
}
