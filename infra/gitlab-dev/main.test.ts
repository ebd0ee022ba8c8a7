import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const main = fileURLToPath(new URL("./main.ts", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/demo.yaml", import.meta.url));

/** Runs the CLI as launchers do (node --import tsx) with only the given environment. */
function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", main], {
    env: { PATH: process.env.PATH ?? "", ...env } as Record<string, string> as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

// Each test starts Node with tsx, which takes seconds on a loaded machine: time enough for that, not a speed check.
describe.concurrent("main.ts", { timeout: 30_000 }, () => {
  it("stops with one line naming a missing variable", async () => {
    const cli = run({});
    expect(await cli.exited).toBe(1);
    expect(cli.output().stderr.trim().split("\n").filter((line) => line.includes("GITLAB_DEV_"))).toEqual([
      "Invalid configuration: GITLAB_DEV_FIXTURE is required",
    ]);
  });

  it("stops with one line naming the fixture's bad field", async () => {
    const cli = run({ GITLAB_DEV_FIXTURE: fileURLToPath(new URL("./main.ts", import.meta.url)) });
    expect(await cli.exited).toBe(1);
    expect(cli.output().stderr).toMatch(/^GITLAB_DEV_FIXTURE .*main\.ts: /m);
  });

  it("serves, logs requests without their tokens, and exits cleanly on SIGTERM", async () => {
    const cli = run({ GITLAB_DEV_FIXTURE: fixture, GITLAB_DEV_PORT: "0" });
    try {
      await until(() => /GitLab stand-in on (http:\/\/127\.0\.0\.1:\d+)/.test(cli.output().stdout), 20_000);
      const base = /GitLab stand-in on (http:\/\/127\.0\.0\.1:\d+)/.exec(cli.output().stdout)![1];
      const res = await fetch(`${base}/api/v4/user?private_token=glpat-alice-demo`);
      expect(res.status).toBe(200);
      await until(() => cli.output().stdout.includes("GET /api/v4/user"), 5_000);
      expect(cli.output().stdout).not.toContain("glpat-alice-demo");
      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
    } finally {
      cli.child.kill("SIGKILL");
    }
  });
});
