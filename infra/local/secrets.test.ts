import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadOrCreateSecrets } from "./secrets.ts";

const dirs: string[] = [];
const folder = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "local-secrets-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("the local stack's secrets", () => {
  it("are made once per state folder, readable by its owner only, and the same on every later start", () => {
    const dir = folder();
    const first = loadOrCreateSecrets(dir);
    expect(fs.statSync(path.join(dir, "secrets.json")).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecrets(dir)).toEqual(first);
    expect(loadOrCreateSecrets(folder()).authSecret).not.toBe(first.authSecret);
  });

  it("gain a secret added since an old folder was made, and keep the ones it had (sessions survive the upgrade)", () => {
    const dir = folder();
    const { gitlabWebhookSecret: _, ...old } = loadOrCreateSecrets(dir);
    fs.writeFileSync(path.join(dir, "secrets.json"), JSON.stringify(old), { mode: 0o600 });
    const upgraded = loadOrCreateSecrets(dir);
    expect(upgraded).toMatchObject(old);
    expect(upgraded.gitlabWebhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(loadOrCreateSecrets(dir).gitlabWebhookSecret).toBe(upgraded.gitlabWebhookSecret);
  });
});
