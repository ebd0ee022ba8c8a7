import { checkDependencies, type DependencyHealth } from "@/lib/health";

export const dynamic = "force-dynamic";

/**
 * GitLab is reported but does not make the hub unready: while it is away the gateway keeps
 * serving every cached permission (and answers the others 503 JSON), whereas a load balancer
 * or Kubernetes would take every replica out at once and answer nobody.
 */
const gatesReadiness = (d: DependencyHealth) => d.name !== "GitLab";

/** Readiness: 200 when the dependencies it needs answer ("degraded" when GitLab does not), 503 with the failing ones otherwise. */
export async function GET() {
  const dependencies = await checkDependencies();
  const ready = dependencies.filter(gatesReadiness).every((d) => d.ok);
  const status = !ready ? "unavailable" : dependencies.every((d) => d.ok) ? "ready" : "degraded";
  return Response.json({ status, dependencies }, { status: ready ? 200 : 503 });
}
