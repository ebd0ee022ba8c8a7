import { describe, expect, it } from "vitest";
import { GRANT_MINUTES, servingGrants } from "./grant";

const grants = servingGrants("a-hub-secret-of-at-least-thirty-two-characters");

describe("serving grants", () => {
  it("name the one project they were made for", () => {
    expect(grants.verify(grants.mint(101))?.projectId).toBe(101);
  });
  it("expire after a few minutes", () => {
    const made = new Date("2026-01-01T00:00:00Z");
    const token = grants.mint(101, made);
    expect(grants.verify(token, new Date(made.getTime() + (GRANT_MINUTES * 60 - 1) * 1000))).toBeDefined();
    expect(grants.verify(token, new Date(made.getTime() + GRANT_MINUTES * 60 * 1000))).toBeUndefined();
  });
  it("cannot be re-pointed at another project: the signature covers the payload", () => {
    const token = grants.mint(101);
    const [payload, signature] = token.slice("mlfsrv_".length).split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, p: 102 })).toString("base64url");
    expect(grants.verify(`mlfsrv_${forged}.${signature}`)).toBeUndefined();
  });
  it("are worthless on a hub with another AUTH_SECRET", () => {
    const other = servingGrants("another-hub-secret-of-at-least-thirty-two-chars");
    expect(other.verify(grants.mint(101))).toBeUndefined();
  });
  it("refuse malformed values", () => {
    for (const bad of ["mlfsrv_", "mlfsrv_abc", "mlfsrv_a.b.c", "glpat-x"]) expect(grants.verify(bad)).toBeUndefined();
  });
});
