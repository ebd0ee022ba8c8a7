import type { Metadata } from "next";
import Link from "next/link";
import { AuditFilters } from "@/components/admin/audit-filters";
import { AuditTable } from "@/components/admin/audit-table";
import { AUDIT_PAGE_SIZE, auditQuery, parseAuditFilter } from "@/lib/admin/audit-filter";
import { formatCount } from "@/lib/dashboard/format";
import { requireAdmin } from "@/server/admin/access";
import { auditPage } from "@/server/admin/audit";

export const metadata: Metadata = { title: "Audit log" };

export default async function AdminAuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const filter = parseAuditFilter(await searchParams);
  const { rows, total } = await auditPage(filter);
  const first = (filter.page - 1) * AUDIT_PAGE_SIZE;
  const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE));
  return (
    <>
      <h1>Audit log</h1>
      <p className="lead">Every write and every refusal the gateway saw, newest first.</p>
      <section className="card" aria-label="Filters">
        <AuditFilters filter={filter} />
      </section>
      <section className="card" aria-label="Events">
        <p className="pager-range muted" data-testid="audit-range" role="status">
          {total ? `Events ${formatCount(first + 1)}–${formatCount(first + rows.length)} of ${formatCount(total)}` : "No events"}
        </p>
        <AuditTable rows={rows} />
        {pages > 1 ? (
          <nav className="pager" aria-label="Audit pages">
            {filter.page > 1 ? <Link href={`/admin/audit${auditQuery(filter, filter.page - 1)}`}>← Newer</Link> : <span />}
            <span className="muted">
              Page {formatCount(filter.page)} of {formatCount(pages)}
            </span>
            {filter.page < pages ? <Link href={`/admin/audit${auditQuery(filter, filter.page + 1)}`}>Older →</Link> : <span />}
          </nav>
        ) : null}
      </section>
    </>
  );
}
