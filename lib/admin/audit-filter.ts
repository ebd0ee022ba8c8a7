import type { AuditAction, AuditOutcome, Prisma } from "@/lib/generated/prisma/client";

export const AUDIT_ACTIONS = ["public", "read", "write", "delete", "refused"] as const satisfies readonly AuditAction[];
export const AUDIT_OUTCOMES = ["allowed", "denied", "error"] as const satisfies readonly AuditOutcome[];
export const AUDIT_PAGE_SIZE = 50;

/** The audit log's filters, as the page's form and the CSV export both read them from the query string. */
export interface AuditFilter {
  /** A GitLab project id, or the start of a project path (a group: `ml-team/`). */
  project?: string;
  /** A GitLab username, exactly (any case). */
  user?: string;
  action?: AuditAction;
  outcome?: AuditOutcome;
  /** From `<input type="datetime-local">`, read as UTC. */
  from?: Date;
  to?: Date;
  page: number;
}

type Params = Record<string, string | string[] | undefined> | URLSearchParams;

function param(params: Params, name: string): string | undefined {
  const v = params instanceof URLSearchParams ? params.get(name) : params[name];
  const one = Array.isArray(v) ? v[0] : v;
  const trimmed = one?.trim();
  return trimmed ? trimmed : undefined;
}

function utc(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A minute-precision "to" (what the form sends) includes that whole minute. */
function endOfMinute(value: string | undefined): Date | undefined {
  const d = utc(value);
  return d && value && /T\d\d:\d\d$/.test(value) ? new Date(d.getTime() + 59_999) : d;
}

const oneOf = <T extends string>(values: readonly T[], v: string | undefined): T | undefined => (values as readonly string[]).includes(v ?? "") ? (v as T) : undefined;

/** Unknown or malformed values are dropped, not errors: a hand-edited URL still shows a page. */
export function parseAuditFilter(params: Params): AuditFilter {
  const page = Number.parseInt(param(params, "page") ?? "1", 10);
  return {
    project: param(params, "project")?.replace(/^\/+/, ""),
    user: param(params, "user")?.replace(/^@/, ""),
    action: oneOf(AUDIT_ACTIONS, param(params, "action")),
    outcome: oneOf(AUDIT_OUTCOMES, param(params, "outcome")),
    from: utc(param(params, "from")),
    to: endOfMinute(param(params, "to")),
    page: Number.isFinite(page) && page > 0 ? page : 1,
  };
}

export function auditWhere(f: AuditFilter): Prisma.AuditEventWhereInput {
  const where: Prisma.AuditEventWhereInput = {};
  if (f.project) {
    if (/^\d+$/.test(f.project)) where.projectId = Number(f.project);
    else where.projectPath = { startsWith: f.project, mode: "insensitive" };
  }
  if (f.user) where.username = { equals: f.user, mode: "insensitive" };
  if (f.action) where.action = f.action;
  if (f.outcome) where.outcome = f.outcome;
  if (f.from || f.to) where.time = { ...(f.from ? { gte: f.from } : {}), ...(f.to ? { lte: f.to } : {}) };
  return where;
}

/** `<input type="datetime-local">`'s value for a UTC time. */
export const datetimeLocal = (d: Date | undefined) => (d ? d.toISOString().slice(0, 16) : "");

/** The query string for these filters (page left out at 1), e.g. for links and the CSV export. */
export function auditQuery(f: AuditFilter, page = f.page): string {
  const q = new URLSearchParams();
  if (f.project) q.set("project", f.project);
  if (f.user) q.set("user", f.user);
  if (f.action) q.set("action", f.action);
  if (f.outcome) q.set("outcome", f.outcome);
  if (f.from) q.set("from", f.from.toISOString());
  if (f.to) q.set("to", f.to.toISOString());
  if (page > 1) q.set("page", String(page));
  const s = q.toString();
  return s ? `?${s}` : "";
}
