import { describe, expect, it } from "vitest";
import { auditQuery, auditWhere, datetimeLocal, parseAuditFilter } from "./audit-filter";

describe("parseAuditFilter", () => {
  it("reads the form's fields, times as UTC, a minute-precision 'to' through the end of that minute", () => {
    const f = parseAuditFilter({ project: "ml-team/", user: "@Bob", action: "write", outcome: "denied", from: "2026-11-22T09:00", to: "2026-11-22T10:30", page: "3" });
    expect(f).toEqual({ project: "ml-team/", user: "Bob", action: "write", outcome: "denied", from: new Date("2026-11-22T09:00:00Z"), to: new Date("2026-11-22T10:30:59.999Z"), page: 3 });
  });

  it("drops unknown actions, bad dates and bad pages instead of failing", () => {
    expect(parseAuditFilter(new URLSearchParams("action=drop+table&outcome=x&from=yesterday&page=-2"))).toEqual({ page: 1 });
  });

  it("round-trips through its own query string", () => {
    const f = parseAuditFilter({ project: "101", outcome: "denied", from: "2026-11-22T09:00", to: "2026-11-22T10:30", page: "2" });
    expect(parseAuditFilter(new URLSearchParams(auditQuery(f).slice(1)))).toEqual(f);
    expect(auditQuery(f, 1)).not.toContain("page=");
    expect(datetimeLocal(f.to)).toBe("2026-11-22T10:30");
  });
});

describe("auditWhere", () => {
  it("matches a numeric project by id and a path by its start, case-insensitively", () => {
    expect(auditWhere({ project: "101", page: 1 })).toEqual({ projectId: 101 });
    expect(auditWhere({ project: "ml-team/", page: 1 })).toEqual({ projectPath: { startsWith: "ml-team/", mode: "insensitive" } });
  });

  it("combines user, action, outcome and time range", () => {
    const from = new Date("2026-11-22T09:00:00Z");
    expect(auditWhere({ user: "bob", action: "delete", outcome: "denied", from, page: 1 })).toEqual({
      username: { equals: "bob", mode: "insensitive" },
      action: "delete",
      outcome: "denied",
      time: { gte: from },
    });
  });
});
