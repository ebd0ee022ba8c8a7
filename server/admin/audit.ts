import "server-only";
import { csvRow } from "@/lib/admin/csv";
import { AUDIT_PAGE_SIZE, auditWhere, type AuditFilter } from "@/lib/admin/audit-filter";
import { db } from "@/lib/db/client";

const COLUMNS = ["id", "time", "username", "userId", "projectId", "projectPath", "method", "route", "action", "outcome", "status", "detail", "token"] as const;
// The gateway names CI jobs' users; a browser session's row has the hub user instead.
const select = { ...(Object.fromEntries(COLUMNS.map((c) => [c, true])) as Record<(typeof COLUMNS)[number], true>), user: { select: { name: true, email: true } } };

export type AuditRow = {
  id: string;
  time: Date;
  username: string | null;
  userId: string | null;
  user: { name: string | null; email: string | null } | null;
  projectId: number | null;
  projectPath: string | null;
  method: string;
  route: string;
  action: string;
  outcome: string;
  status: number;
  detail: string | null;
  token: string | null;
};

export async function auditPage(f: AuditFilter): Promise<{ rows: AuditRow[]; total: number }> {
  const where = auditWhere(f);
  const [rows, total] = await Promise.all([
    db().auditEvent.findMany({ where, select, orderBy: [{ time: "desc" }, { id: "desc" }], skip: (f.page - 1) * AUDIT_PAGE_SIZE, take: AUDIT_PAGE_SIZE }),
    db().auditEvent.count({ where }),
  ]);
  return { rows, total };
}

const BATCH = 1_000;

/**
 * The filtered audit log as CSV, newest first, read in batches of 1,000 (keyset
 * on time and id) so memory stays flat however long the log is.
 */
export function auditCsv(f: AuditFilter): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const where = auditWhere(f);
  let after: { time: Date; id: string } | undefined;
  let started = false;
  return new ReadableStream({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(encoder.encode(csvRow([...COLUMNS, "userEmail"])));
      }
      const rows = await db().auditEvent.findMany({
        where: after ? { AND: [where, { OR: [{ time: { lt: after.time } }, { time: after.time, id: { lt: after.id } }] }] } : where,
        select,
        orderBy: [{ time: "desc" }, { id: "desc" }],
        take: BATCH,
      });
      if (rows.length) controller.enqueue(encoder.encode(rows.map((r) => csvRow([...COLUMNS.map((c) => r[c]), r.user?.email])).join("")));
      if (rows.length < BATCH) controller.close();
      else after = rows.at(-1)!;
    },
  });
}
