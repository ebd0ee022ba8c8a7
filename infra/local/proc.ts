import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export class LaunchError extends Error {}

export interface Service {
  name: string;
  pid: number;
  logFile: string;
  /** Signal that makes this server shut down quickly and cleanly (Postgres: SIGINT = fast shutdown). */
  stopSignal: NodeJS.Signals;
  child?: ChildProcess;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  logDir: string;
  cwd?: string;
  uid?: number;
  gid?: number;
  stopSignal?: NodeJS.Signals;
}

/**
 * Each service runs in its own process group, so stopping it also stops the
 * workers it forks (MLflow's gunicorn/uvicorn), and output goes to a log file
 * so a failing start can be explained from its last lines.
 */
export function spawnService(o: SpawnOptions): Service {
  fs.mkdirSync(o.logDir, { recursive: true });
  const logFile = path.join(o.logDir, `${o.name}.log`);
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `\n--- ${new Date().toISOString()} starting ${o.command} ${o.args.join(" ")}\n`);
  const child = spawn(o.command, o.args, {
    env: o.env as NodeJS.ProcessEnv,
    cwd: o.cwd,
    uid: o.uid,
    gid: o.gid,
    detached: true,
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new LaunchError(`${o.name}: could not start ${o.command}`);
  child.unref();
  return { name: o.name, pid: child.pid, logFile, stopSignal: o.stopSignal ?? "SIGTERM", child };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** Stops a service's whole process group: its own stop signal, then SIGKILL after a grace period. */
export async function stopService(s: Pick<Service, "pid" | "stopSignal">, graceMs = 15_000): Promise<void> {
  if (!isAlive(s.pid)) return;
  signalGroup(s.pid, s.stopSignal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(s.pid) && !groupAlive(s.pid)) return;
    await sleep(100);
  }
  signalGroup(s.pid, "SIGKILL");
  while (isAlive(s.pid)) await sleep(50);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

export function tailLog(file: string, lines = 30): string {
  if (!fs.existsSync(file)) return "(no log)";
  return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Polls `check` until it resolves true. Fails when the time is up or when the
 * process died, naming the service and quoting the end of its log.
 */
export async function waitUntilHealthy(service: Service, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(service.pid)) {
      await stopService(service, 2_000);
      throw new LaunchError(`${service.name} exited during start. Last lines of ${service.logFile}:\n${tailLog(service.logFile)}`);
    }
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  // A service that never became healthy is stopped like the others: nothing of a failed start stays behind.
  await stopService(service);
  throw new LaunchError(
    `${service.name} did not become healthy within ${Math.round(timeoutMs / 1000)} s. Last lines of ${service.logFile}:\n${tailLog(service.logFile)}`,
  );
}

export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}

/** Runs a command to completion, inheriting nothing but what is given; rejects with its output on failure. */
export function run(command: string, args: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; uid?: number; gid?: number; quiet?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: (opts.env ?? process.env) as NodeJS.ProcessEnv, cwd: opts.cwd, uid: opts.uid, gid: opts.gid, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
      if (!opts.quiet) process.stdout.write(d);
    });
    child.stderr.on("data", (d) => {
      output += d;
      if (!opts.quiet) process.stderr.write(d);
    });
    child.on("error", (e) => reject(new LaunchError(`${command}: ${e.message}`)));
    child.on("close", (code) =>
      code === 0 ? resolve(output) : reject(new LaunchError(`${command} ${args.join(" ")} exited with ${code}\n${output.split("\n").slice(-30).join("\n")}`)),
    );
  });
}
