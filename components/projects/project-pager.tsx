import Link from "next/link";
import { listHref, pageRange, type Pagination, type ProjectListParams } from "@/lib/dashboard/project-list";

/** Previous/next through GitLab's pages; the range says where the viewer is. */
export function ProjectPager({ params, pagination, shown }: { params: ProjectListParams; pagination: Pagination; shown: number }) {
  const { prevPage, nextPage, totalPages } = pagination;
  if (!prevPage && !nextPage) return shown ? <p className="muted pager-range">{pageRange(pagination, shown)}</p> : null;
  return (
    <nav aria-label="Pages" className="projects-pager">
      {prevPage ? (
        <Link href={listHref({ ...params, page: prevPage })} rel="prev">
          ← Previous
        </Link>
      ) : (
        <span aria-hidden="true" className="muted">
          ← Previous
        </span>
      )}
      <span className="muted" data-testid="page-range">
        {pageRange(pagination, shown)}
        {totalPages ? ` · page ${pagination.page} of ${totalPages}` : ` · page ${pagination.page}`}
      </span>
      {nextPage ? (
        <Link href={listHref({ ...params, page: nextPage })} rel="next">
          Next →
        </Link>
      ) : (
        <span aria-hidden="true" className="muted">
          Next →
        </span>
      )}
    </nav>
  );
}
