import { projectTokensRequest, tokensJson } from "@/server/tokens";

export const dynamic = "force-dynamic";

/** Revokes a token: its owner or a Maintainer of the project. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string; tokenId: string }> }) {
  const { id, tokenId } = await params;
  return projectTokensRequest(request, id, async (tokens, caller) => {
    await tokens.revoke(caller, tokenId);
    return tokensJson(200, {});
  });
}
