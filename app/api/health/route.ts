// Liveness: the hub process answers. It does not look at dependencies (see /api/ready).
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json({ status: "ok" });
}
