import type { Metadata } from "next";
import { RefreshEvery } from "@/components/admin/refresh";
import { ServingTable } from "@/components/admin/serving-table";
import { formatBytes, formatCount } from "@/lib/dashboard/format";
import { requireAdmin } from "@/server/admin/access";
import { servingOverview } from "@/server/admin/serving";
import { stopEndpoint } from "./actions";

export const metadata: Metadata = { title: "Serving" };

/** The CPU column is the share of one core between two of these refreshes. */
const REFRESH_SECONDS = 5;

export default async function AdminServingPage() {
  const admin = await requireAdmin();
  const overview = await servingOverview(admin.token);
  if (overview.kind === "off") {
    return (
      <>
        <h1>Serving</h1>
        <p className="notice" role="note" data-testid="serving-off">
          Model serving is off on this hub: <code>SERVING_URL</code> is not set, so no project can deploy a model. Set <code>SERVING_URL</code> and <code>SERVING_TOKEN</code> to the serving runtime&apos;s address and secret to turn it on.
        </p>
      </>
    );
  }
  if (overview.kind === "unavailable") {
    return (
      <>
        <h1>Serving</h1>
        <p className="notice" role="alert">
          The endpoints could not be read: {overview.why}
        </p>
      </>
    );
  }
  const { rows } = overview;
  const running = rows.filter((r) => r.state === "ready" || r.state === "starting");
  const memory = running.reduce((a, r) => a + (r.memoryBytes ?? 0), 0);
  const projects = new Set(rows.map((r) => r.projectId)).size;
  return (
    <>
      <RefreshEvery seconds={REFRESH_SECONDS} />
      <h1>Serving</h1>
      <p className="lead" data-testid="serving-summary">
        {formatCount(rows.length)} {rows.length === 1 ? "endpoint" : "endpoints"} in {formatCount(projects)} {projects === 1 ? "project" : "projects"}, {formatCount(running.length)} running
        {running.length ? `, using ${formatBytes(memory)} of memory` : ""}. Memory and CPU time are the serving runtime&apos;s figures for each endpoint&apos;s process; CPU is the share of one core since this page&apos;s previous refresh (every {REFRESH_SECONDS} s); requests are this hub process&apos;s since it started.
      </p>
      {overview.runtimeDown ? (
        <p className="notice" role="alert">
          The serving runtime does not answer: memory and CPU are unknown, and the states are the last ones seen.
        </p>
      ) : null}
      <section className="card">
        <ServingTable rows={rows} stop={stopEndpoint} />
      </section>
    </>
  );
}
