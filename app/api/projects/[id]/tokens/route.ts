import { projectTokensRequest, tokensJson } from "@/server/tokens";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

/** The project's tokens the caller may see, and what they may create. */
export async function GET(request: Request, { params }: Params) {
  return projectTokensRequest(request, (await params).id, async (tokens, caller) => tokensJson(200, await tokens.list(caller)));
}

/** Creates a token; the answer is the only time its secret is shown. */
export async function POST(request: Request, { params }: Params) {
  return projectTokensRequest(request, (await params).id, async (tokens, caller) => {
    const body: unknown = request.headers.get("content-type")?.startsWith("application/json") ? await request.json().catch(() => undefined) : undefined;
    return tokensJson(201, await tokens.create(caller, body));
  });
}
