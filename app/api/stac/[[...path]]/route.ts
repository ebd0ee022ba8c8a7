import { serveStac, stacPreflight } from "@/server/stac/serve";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ path?: string[] }> };

/** The STAC API of registered models (server/stac/serve.ts). */
export async function GET(request: Request, { params }: Params) {
  return serveStac(request, (await params).path ?? []);
}

export async function POST(request: Request, { params }: Params) {
  return serveStac(request, (await params).path ?? []);
}

export const OPTIONS = stacPreflight;
