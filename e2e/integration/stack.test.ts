import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PORT_OFFSETS, portsWithOffset } from "../../infra/local/ports.ts";
import { isAlive, isPortFree } from "../../infra/local/proc.ts";
import { HUB_SERVER } from "../../infra/local/hub.ts";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { startStack, stopStackAt, type Stack } from "../../infra/local/stack.ts";

// A second stack beside the one scripts/test runs the other suites on.
const OFFSET = PORT_OFFSETS.launcher;
const STATE = path.join(REPO_ROOT, ".local", "test-launcher");
const ports = portsWithOffset(OFFSET);

async function allPortsFree() {
  return (await Promise.all(Object.values(ports).map((p) => isPortFree(p)))).every(Boolean);
}

/** Holds every port of these stacks that nothing listens on yet, as their running services would. */
async function occupyPorts(offsets: number[]): Promise<() => Promise<void>> {
  const held: net.Server[] = [];
  for (const port of offsets.flatMap((o) => Object.values(portsWithOffset(o)))) {
    const server = net.createServer();
    // A port already in use is held by that stack itself: just as good.
    const listening = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (listening) held.push(server);
  }
  return async () => {
    await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
  };
}

async function mlflowJson(stack: Stack, route: string, init: RequestInit & { workspace?: string } = {}) {
  const res = await fetch(`${stack.env.MLFLOW_URL}${route}`, {
    ...init,
    headers: { "content-type": "application/json", ...(init.workspace ? { "X-MLFLOW-WORKSPACE": init.workspace } : {}) },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("the local stack launcher", () => {
  fs.rmSync(STATE, { recursive: true, force: true });
  afterAll(() => stopStackAt(STATE));

  it("starts every dependency healthy with MLflow workspaces on beside a developer's npm run local and scripts/test's stack (every port of theirs taken), and stops leaving no process or port behind", async () => {
    const release = await occupyPorts([PORT_OFFSETS.developer, PORT_OFFSETS.test]);
    let stack: Stack;
    try {
      stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "prod" });
    } finally {
      await release();
    }
    try {
      const ready = await fetch(`${stack.env.AUTH_URL}/api/ready`);
      const body = (await ready.json()) as { dependencies: { name: string; ok: boolean; detail: string }[] };
      expect(body.dependencies.map((d) => [d.name, d.ok])).toEqual([
        ["hub database", true],
        ["MLflow", true],
        ["MinIO", true],
        ["GitLab", true],
      ]);
      expect(ready.status).toBe(200);
      const workspaces = await mlflowJson(stack, "/api/3.0/mlflow/workspaces");
      expect(workspaces.status).toBe(200);
      expect(workspaces.body).toHaveProperty("workspaces");

      // Something to find again after the restart below.
      expect((await mlflowJson(stack, "/api/3.0/mlflow/workspaces", { method: "POST", body: JSON.stringify({ name: "restart-check" }) })).status).toBe(201);
      const created = await mlflowJson(stack, "/api/2.0/mlflow/experiments/create", { method: "POST", workspace: "restart-check", body: JSON.stringify({ name: "survives" }) });
      expect(created.status).toBe(200);
    } finally {
      await stack.stop();
    }
    for (const s of stack.services) expect(isAlive(s.pid), `${s.name} (pid ${s.pid}) is still running`).toBe(false);
    expect(await allPortsFree()).toBe(true);
  });

  it("keeps its data across a restart from the same state folder", async () => {
    const stack = await startStack({ stateDir: STATE, portOffset: OFFSET, hub: "none" });
    try {
      const found = await mlflowJson(stack, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=survives", { workspace: "restart-check" });
      expect(found.status).toBe(200);
      expect((found.body.experiment as { name: string }).name).toBe("survives");
    } finally {
      await stack.stop();
    }
  });

  it("says which port is already in use and starts nothing", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(ports.postgres, "127.0.0.1", resolve));
    try {
      await expect(startStack({ stateDir: STATE, portOffset: OFFSET, hub: "none" })).rejects.toThrow(`port ${ports.postgres} (postgres) is already in use`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(await allPortsFree()).toBe(true);
  });

  it("stops the others and quotes the failing dependency's log when one does not come up", async () => {
    const badFixture = path.join(STATE, "broken-fixture.yaml");
    fs.writeFileSync(badFixture, "users: not-a-list\n");
    await expect(startStack({ stateDir: STATE, portOffset: OFFSET, hub: "none", fixture: badFixture })).rejects.toThrow(/gitlab-dev exited during start\. Last lines of .*gitlab-dev\.log:\n[\s\S]*users/);
    expect(await allPortsFree()).toBe(true);
  });

  it("refuses to start the hub when a variable is missing, naming it in one line", async () => {
    const env = { PATH: process.env.PATH, PORT: String(ports.hub), HOSTNAME: "127.0.0.1", NODE_ENV: "production", AUTH_URL: "http://localhost:1" };
    const child = spawn(process.execPath, [HUB_SERVER], { env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).not.toBe(0);
    const lines = stderr.trim().split("\n").filter((l) => l.includes("Invalid configuration"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("AUTH_SECRET is required");
    expect(lines[0]).toContain("DATABASE_URL is required");
  });
});
