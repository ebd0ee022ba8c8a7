import { describe, expect, it } from "vitest";
import { readCredential } from "./credentials";
import { GatewayError } from "./errors";

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("readCredential", () => {
  it("reads a personal access token sent as Bearer (MLFLOW_TRACKING_TOKEN)", () => {
    expect(readCredential("Bearer glpat-alice-demo", undefined)).toEqual({ kind: "token", token: "glpat-alice-demo" });
  });

  it("recognises a CI job token by its glcbt- prefix", () => {
    expect(readCredential("Bearer glcbt-demo-running", undefined)).toEqual({ kind: "job", token: "glcbt-demo-running" });
  });

  it("recognises a hub project token by its mlfhub_ prefix, as Bearer or as the Basic password", () => {
    const token = `mlfhub_${"a".repeat(46)}`;
    expect(readCredential(`Bearer ${token}`, undefined)).toEqual({ kind: "project-token", token });
    expect(readCredential(basic("bob", token), undefined)).toEqual({ kind: "project-token", token });
  });

  it("takes the token from the password of Basic (MLFLOW_TRACKING_USERNAME/PASSWORD)", () => {
    expect(readCredential(basic("alice", "glpat-alice-demo"), undefined)).toEqual({ kind: "token", token: "glpat-alice-demo" });
  });

  it("accepts a token given as the Basic username when the password is empty", () => {
    expect(readCredential(basic("glpat-alice-demo", ""), undefined)).toEqual({ kind: "token", token: "glpat-alice-demo" });
  });

  it("reads the hub's session cookie when there is no Authorization header", () => {
    expect(readCredential(undefined, "theme=dark; authjs.session-token=abc123; other=1")).toEqual({ kind: "session", sessionToken: "abc123" });
    expect(readCredential(undefined, "__Secure-authjs.session-token=s3cure")).toEqual({ kind: "session", sessionToken: "s3cure" });
  });

  it("prefers the Authorization header over a cookie", () => {
    expect(readCredential("Bearer glpat-bob-demo", "authjs.session-token=abc")).toEqual({ kind: "token", token: "glpat-bob-demo" });
  });

  it("is anonymous without Authorization or session cookie", () => {
    expect(readCredential(undefined, "theme=dark")).toEqual({ kind: "anonymous" });
    expect(readCredential(undefined, undefined)).toEqual({ kind: "anonymous" });
  });

  it.each([
    ["an unknown scheme", "Digest abc"],
    ["an empty Bearer", "Bearer "],
    ["a token with spaces", "Bearer glpat abc def"],
    ["a token with quotes", 'Bearer "glpat-abcdefgh"'],
    ["an empty Basic", basic("", "")],
  ])("refuses %s with UNAUTHENTICATED and a WWW-Authenticate challenge", (_, header) => {
    try {
      readCredential(header, undefined);
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(GatewayError);
      expect((e as GatewayError).code).toBe("UNAUTHENTICATED");
      expect((e as GatewayError).headers["www-authenticate"]).toMatch(/^Bearer realm="mlflow"/);
    }
  });
});
