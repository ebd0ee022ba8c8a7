import { checkDependencies } from "@/lib/health";

export const dynamic = "force-dynamic";

/** Readiness: 200 when every dependency answers, 503 with the failing ones otherwise. */
export async function GET() {
  const dependencies = await checkDependencies();
  const ready = dependencies.every((d) => d.ok);
  return Response.json({ status: ready ? "ready" : "unavailable", dependencies }, { status: ready ? 200 : 503 });
}
