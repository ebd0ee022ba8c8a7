import { describe, expect, it } from "vitest";
import { ConfigError, readConfig } from "./config.ts";

const fixture = { GITLAB_DEV_FIXTURE: "demo.yaml" };
const application = {
  GITLAB_DEV_CLIENT_ID: "hub",
  GITLAB_DEV_CLIENT_SECRET: "secret",
  GITLAB_DEV_REDIRECT_URIS: "http://localhost:3000/api/auth/callback/gitlab, http://127.0.0.1:3000/cb",
};

function configError(env: Record<string, string>): string {
  try {
    readConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("configuration was accepted");
}

describe("readConfig", () => {
  it("needs only the fixture and defaults the rest like GitLab", () => {
    expect(readConfig(fixture)).toEqual({
      fixturePath: "demo.yaml",
      host: "127.0.0.1",
      port: 3001,
      publicUrl: undefined,
      latencyMs: 0,
      accessTokenTtlSeconds: 7200,
      application: undefined,
    });
  });

  it("reads the OAuth application, splitting redirect URIs on commas", () => {
    expect(readConfig({ ...fixture, ...application }).application).toEqual({
      clientId: "hub",
      clientSecret: "secret",
      redirectUris: ["http://localhost:3000/api/auth/callback/gitlab", "http://127.0.0.1:3000/cb"],
    });
  });

  it("treats empty variables as unset", () => {
    expect(readConfig({ ...fixture, GITLAB_DEV_PORT: "", GITLAB_DEV_URL: "" }).port).toBe(3001);
  });

  it("names a missing fixture", () => {
    expect(configError({})).toBe("GITLAB_DEV_FIXTURE is required");
  });

  it("names an invalid port, URL or lifetime", () => {
    expect(configError({ ...fixture, GITLAB_DEV_PORT: "http" })).toMatch(/^GITLAB_DEV_PORT must be a whole number/);
    expect(configError({ ...fixture, GITLAB_DEV_PORT: "70000" })).toMatch(/^GITLAB_DEV_PORT /);
    expect(configError({ ...fixture, GITLAB_DEV_URL: "localhost:3001" })).toMatch(/^GITLAB_DEV_URL /);
    expect(configError({ ...fixture, GITLAB_DEV_ACCESS_TOKEN_TTL: "0" })).toMatch(/^GITLAB_DEV_ACCESS_TOKEN_TTL /);
  });

  it("names the missing half of a partly configured OAuth application", () => {
    const message = configError({ ...fixture, GITLAB_DEV_CLIENT_ID: "hub" });
    expect(message).toContain("GITLAB_DEV_CLIENT_SECRET is required when GITLAB_DEV_CLIENT_ID is set");
    expect(message).toContain("GITLAB_DEV_REDIRECT_URIS is required");
  });

  it("rejects a redirect URI that is not an http(s) URL", () => {
    expect(configError({ ...fixture, ...application, GITLAB_DEV_REDIRECT_URIS: "not a url" })).toMatch(
      /^GITLAB_DEV_REDIRECT_URIS/,
    );
  });
});
