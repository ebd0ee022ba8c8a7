import type { Metadata } from "next";
import { GatewayStats } from "@/components/admin/gateway-stats";
import { requireAdmin } from "@/server/admin/access";
import { gatewaySamples } from "@/server/admin/gateway";

export const metadata: Metadata = { title: "Gateway" };

export default async function AdminGatewayPage() {
  await requireAdmin();
  const samples = await gatewaySamples();
  return (
    <>
      <h1>Gateway</h1>
      <p className="lead">
        What the MLflow gateway of this hub process did since it started — the counters <code>/metrics</code> exposes to Prometheus. Rates come from samples taken every 15 s while the hub runs.
      </p>
      <GatewayStats samples={samples} />
    </>
  );
}
