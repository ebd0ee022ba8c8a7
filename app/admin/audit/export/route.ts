import { parseAuditFilter } from "@/lib/admin/audit-filter";
import { adminViewer } from "@/server/admin/access";
import { auditCsv } from "@/server/admin/audit";

export const dynamic = "force-dynamic";

/** The audit log as CSV, with the page's filters; a 404 like every admin URL for anyone else. */
export async function GET(request: Request) {
  // Route handlers cannot render the not-found page; the status is the same as every admin URL's.
  if (!(await adminViewer())) return new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  const filter = parseAuditFilter(new URL(request.url).searchParams);
  const stamp = new Date().toISOString().replace(/[:]/g, "-").replace(/\.\d+Z$/, "Z");
  return new Response(auditCsv(filter), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="mlflow-hub-audit-${stamp}.csv"`,
      "cache-control": "no-store",
    },
  });
}
