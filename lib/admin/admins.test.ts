import { describe, expect, it, vi } from "vitest";
import { adminVia, createIdentityCache, IdentityRefused, type GitLabIdentity } from "./admins";

describe("adminVia", () => {
  it("lets GitLab administrators in", () => {
    expect(adminVia({ username: "root", is_admin: true }, [])).toBe("GitLab administrator");
  });

  it("lets users HUB_ADMINS lists in, whatever the case of their username", () => {
    expect(adminVia({ username: "Maya" }, ["maya"])).toBe("HUB_ADMINS");
  });

  it("keeps everyone else out, including an is_admin that is not literally true", () => {
    expect(adminVia({ username: "bob" }, ["maya"])).toBeNull();
    expect(adminVia({ username: "bob", is_admin: "true" as unknown as boolean }, [])).toBeNull();
    expect(adminVia({ username: "mayan" }, ["maya"])).toBeNull();
  });
});

describe("createIdentityCache", () => {
  const setup = (lookup: (token: string) => Promise<GitLabIdentity>) => {
    let t = 0;
    const fn = vi.fn(lookup);
    const cache = createIdentityCache({ lookup: fn, ttlMs: 30_000, graceMs: 600_000, now: () => t });
    return { cache, lookup: fn, advance: (ms: number) => (t += ms) };
  };

  it("asks GitLab once per user and TTL", async () => {
    const { cache, lookup, advance } = setup(async () => ({ username: "root", is_admin: true }));
    await cache.get("u1", "tok");
    await cache.get("u1", "tok");
    expect(lookup).toHaveBeenCalledTimes(1);
    advance(30_000);
    await cache.get("u1", "tok");
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it("shares one GitLab call between concurrent page renders", async () => {
    const { cache, lookup } = setup(async () => ({ username: "root", is_admin: true }));
    await Promise.all([cache.get("u1", "t"), cache.get("u1", "t"), cache.get("u1", "t")]);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it("drops a user at once when GitLab refuses their token", async () => {
    let refuse = false;
    const { cache, advance } = setup(async () => {
      if (refuse) throw new IdentityRefused("401");
      return { username: "root", is_admin: true };
    });
    expect(await cache.get("u1", "t")).toMatchObject({ username: "root" });
    refuse = true;
    advance(31_000);
    expect(await cache.get("u1", "t")).toBeNull();
  });

  it("keeps a recent answer while GitLab is unreachable, but not forever", async () => {
    let down = false;
    const { cache, advance } = setup(async () => {
      if (down) throw new Error("GitLab is unreachable");
      return { username: "root", is_admin: true };
    });
    await cache.get("u1", "t");
    down = true;
    advance(5 * 60_000);
    expect(await cache.get("u1", "t")).toMatchObject({ username: "root" });
    advance(6 * 60_000);
    await expect(cache.get("u1", "t")).rejects.toThrow("unreachable");
    await expect(cache.get("u2", "t")).rejects.toThrow("unreachable");
  });
});
