import { describe, expect, it } from "vitest";
import { GatewayError } from "./errors";
import { refuseCrossSite } from "./csrf";

const HUB = "https://mlflow.example.com";
const refusal = (method: string, headers: Record<string, string>) => {
  try {
    refuseCrossSite(method, headers, HUB);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return (e as GatewayError).code;
  }
};

describe("cookie-authenticated writes must come from the hub's own pages", () => {
  it("lets the hub's pages (and the stock UI on its origin) write", () => {
    expect(refusal("POST", { host: "mlflow.example.com", origin: HUB, "sec-fetch-site": "same-origin" })).toBeUndefined();
    expect(refusal("DELETE", { host: "mlflow.example.com", origin: HUB })).toBeUndefined();
    expect(refusal("PUT", { host: "mlflow.example.com", "sec-fetch-site": "same-origin" })).toBeUndefined();
  });

  it("accepts an origin naming the host the request was sent to (a hub reached under another of its names)", () => {
    expect(refusal("POST", { host: "localhost:4000", origin: "http://localhost:4000" })).toBeUndefined();
    expect(refusal("POST", { host: "LOCALHOST:4000", origin: "http://localhost:4000" })).toBeUndefined();
  });

  it("does not look at reads", () => {
    for (const method of ["GET", "HEAD", "OPTIONS"]) expect(refusal(method, { origin: "https://evil.example", "sec-fetch-site": "cross-site" })).toBeUndefined();
  });

  it("refuses a form or fetch from another site", () => {
    expect(refusal("POST", { host: "mlflow.example.com", origin: "https://evil.example", "sec-fetch-site": "cross-site" })).toBe("PERMISSION_DENIED");
    expect(refusal("POST", { host: "mlflow.example.com", origin: "https://evil.example" })).toBe("PERMISSION_DENIED");
  });

  it("refuses a sibling host of the same site, where SameSite=Lax cookies still travel (an artifact store under a subdomain)", () => {
    expect(refusal("POST", { host: "mlflow.example.com", origin: "https://s3.mlflow.example.com", "sec-fetch-site": "same-site" })).toBe("PERMISSION_DENIED");
    expect(refusal("PUT", { host: "mlflow.example.com", origin: "https://s3.mlflow.example.com" })).toBe("PERMISSION_DENIED");
  });

  it("refuses the hub's host on another port or scheme-less look-alikes", () => {
    expect(refusal("POST", { host: "mlflow.example.com", origin: "https://mlflow.example.com:8443" })).toBe("PERMISSION_DENIED");
    expect(refusal("POST", { host: "mlflow.example.com", origin: "https://mlflow.example.com.evil.example" })).toBe("PERMISSION_DENIED");
  });

  it("refuses an opaque origin (sandboxed frame, data: page) and a request with neither header", () => {
    expect(refusal("POST", { host: "mlflow.example.com", origin: "null" })).toBe("PERMISSION_DENIED");
    expect(refusal("POST", { host: "mlflow.example.com", origin: "file:///x" })).toBe("PERMISSION_DENIED");
    expect(refusal("POST", { host: "mlflow.example.com" })).toBe("PERMISSION_DENIED");
  });

  it("trusts Sec-Fetch-Site over a matching origin: a same-origin Origin with a cross-site fetch is not the hub's", () => {
    expect(refusal("POST", { host: "mlflow.example.com", origin: HUB, "sec-fetch-site": "same-site" })).toBe("PERMISSION_DENIED");
    expect(refusal("POST", { host: "mlflow.example.com", origin: HUB, "sec-fetch-site": "none" })).toBe("PERMISSION_DENIED");
  });
});
