import Link from "next/link";
import { AUDIT_ACTIONS, AUDIT_OUTCOMES, auditQuery, datetimeLocal, type AuditFilter } from "@/lib/admin/audit-filter";

/** A plain GET form: filters live in the URL, so a filtered view can be bookmarked and exported as it is. */
export function AuditFilters({ filter }: { filter: AuditFilter }) {
  return (
    <form className="inline-form audit-filters" method="get" action="/admin/audit" aria-label="Filter the audit log">
      <label className="field">
        Project
        <input name="project" defaultValue={filter.project ?? ""} placeholder="id, path or group/" />
      </label>
      <label className="field">
        User
        <input name="user" defaultValue={filter.user ?? ""} placeholder="GitLab username" />
      </label>
      <label className="field">
        Action
        <select name="action" defaultValue={filter.action ?? ""}>
          <option value="">any</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </label>
      <label className="field">
        Outcome
        <select name="outcome" defaultValue={filter.outcome ?? ""}>
          <option value="">any</option>
          {AUDIT_OUTCOMES.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>
      <label className="field">
        From (UTC)
        <input type="datetime-local" name="from" defaultValue={datetimeLocal(filter.from)} />
      </label>
      <label className="field">
        To (UTC)
        <input type="datetime-local" name="to" defaultValue={datetimeLocal(filter.to)} />
      </label>
      <div className="row-actions">
        <button type="submit" className="primary">
          Filter
        </button>
        <Link className="button" href="/admin/audit">
          Clear
        </Link>
        <a className="button" href={`/admin/audit/export${auditQuery(filter, 1)}`} download>
          Export CSV
        </a>
      </div>
    </form>
  );
}
