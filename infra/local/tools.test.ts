import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exclusively } from "./tools.ts";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tools-lock-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("exclusively", () => {
  it("lets one creator of a cache entry work at a time, so a second never deletes the first one's work", async () => {
    const target = path.join(dir, "venv");
    const events: string[] = [];
    const maker = (name: string) => async () => {
      events.push(`${name} starts`);
      await sleep(1_200);
      events.push(`${name} ends`);
    };
    await Promise.all([exclusively(target, maker("first")), exclusively(target, maker("second"))]);
    expect(events).toEqual(["first starts", "first ends", "second starts", "second ends"]);
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
  });

  it("takes over a lock whose process died", async () => {
    const target = path.join(dir, "venv");
    fs.mkdirSync(`${target}.lock`);
    // Pid 2^22 + 1 is above Linux's pid_max limit: no such process.
    fs.writeFileSync(path.join(`${target}.lock`, "pid"), String(2 ** 22 + 1));
    expect(await exclusively(target, async () => "made")).toBe("made");
  });

  it("releases the lock when making fails", async () => {
    const target = path.join(dir, "venv");
    await expect(exclusively(target, async () => Promise.reject(new Error("pip failed")))).rejects.toThrow("pip failed");
    expect(fs.existsSync(`${target}.lock`)).toBe(false);
  });
});
