import { describe, expect, it } from "vitest";
import { metricsAccess } from "./metrics-access";

const TOKEN = "t".repeat(64);

describe("who may read /metrics", () => {
  it("with METRICS_TOKEN set: only a caller sending it as a Bearer token, from any address", () => {
    expect(metricsAccess(TOKEN, `Bearer ${TOKEN}`, "172.18.0.5").status).toBe("allow");
    expect(metricsAccess(TOKEN, `bearer ${TOKEN}`, "10.0.0.1").status).toBe("allow");
    for (const auth of [undefined, "", "Bearer", `Bearer ${TOKEN.slice(1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      expect([auth, metricsAccess(TOKEN, auth, "172.18.0.5")]).toEqual([auth, { status: "deny", code: 401, message: expect.stringContaining("METRICS_TOKEN") }]);
    }
  });

  it("with METRICS_TOKEN set, loopback callers need it too", () => {
    expect(metricsAccess(TOKEN, undefined, "127.0.0.1")).toMatchObject({ status: "deny", code: 401 });
  });

  it("without METRICS_TOKEN: loopback callers only, IPv4, IPv6 and IPv4-mapped alike", () => {
    for (const a of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.1.2.3"]) expect([a, metricsAccess(undefined, undefined, a).status]).toEqual([a, "allow"]);
    for (const a of ["172.18.0.5", "::ffff:10.0.0.1", "fe80::1", "0.0.0.0", "", undefined]) expect([a, metricsAccess(undefined, undefined, a)]).toEqual([a, { status: "deny", code: 403, message: expect.stringContaining("loopback") }]);
  });
});
