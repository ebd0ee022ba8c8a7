import { describe, expect, it } from "vitest";
import { BASELINE_HEADERS, hubPagePolicy, newNonce } from "./security-headers";

const directives = (policy: string) => Object.fromEntries(policy.split("; ").map((d) => { const [name, ...values] = d.split(" "); return [name, values]; }));
const production = directives(hubPagePolicy({ nonce: "n0nce", gitlabUrl: "https://gitlab.example.com/sub/", dev: false }));

describe("a hub page's CSP", () => {
  it("runs only scripts carrying this request's nonce, or loaded by one, and never eval in production", () => {
    expect(production["script-src"]).toEqual(["'self'", "'nonce-n0nce'", "'strict-dynamic'"]);
    expect(production["default-src"]).toEqual(["'self'"]);
  });

  it("allows no inline style without the nonce, and no 'unsafe-inline' anywhere", () => {
    expect(production["style-src"]).toEqual(["'self'", "'nonce-n0nce'"]);
    expect(Object.values(production).flat()).not.toContain("'unsafe-inline'");
  });

  it("cannot be framed, given a <base>, or post a form anywhere but the hub and GitLab's sign-in", () => {
    expect(production["frame-ancestors"]).toEqual(["'none'"]);
    expect(production["base-uri"]).toEqual(["'none'"]);
    expect(production["object-src"]).toEqual(["'none'"]);
    expect(production["form-action"]).toEqual(["'self'", "https://gitlab.example.com"]);
    expect(production["connect-src"]).toEqual(["'self'"]);
  });

  it("shows avatars from GitLab's origin and Gravatar, nothing else from elsewhere", () => {
    expect(production["img-src"]).toEqual(["'self'", "data:", "https://gitlab.example.com", "https://secure.gravatar.com", "https://www.gravatar.com"]);
  });

  it("adds 'unsafe-eval' and inline styles for next dev only", () => {
    const dev = directives(hubPagePolicy({ nonce: "n", gitlabUrl: "http://localhost:3001", dev: true }));
    expect(dev["script-src"]).toContain("'unsafe-eval'");
    expect(dev["style-src"]).toEqual(["'self'", "'unsafe-inline'"]);
    expect(production["script-src"]).not.toContain("'unsafe-eval'");
  });
});

describe("the headers every hub answer carries", () => {
  it("forbid MIME sniffing and send no referrer to other origins", () => {
    expect(BASELINE_HEADERS["X-Content-Type-Options"]).toBe("nosniff");
    expect(BASELINE_HEADERS["Referrer-Policy"]).toBe("same-origin");
    expect(BASELINE_HEADERS).not.toHaveProperty("Strict-Transport-Security");
  });
});

describe("newNonce", () => {
  it("is 128 random bits, different every time", () => {
    const nonces = new Set(Array.from({ length: 1000 }, newNonce));
    expect(nonces.size).toBe(1000);
    for (const n of nonces) expect(Buffer.from(n, "base64")).toHaveLength(16);
  });
});
