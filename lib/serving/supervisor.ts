import http from "node:http";
import { unavailable } from "@/lib/gateway/errors";

/** An instance (one model version of one endpoint) as the serving supervisor reports it. */
export interface InstanceView {
  id: string;
  project_id: number;
  model: string;
  version: string;
  state: "starting" | "ready" | "failed";
  error: string | null;
  started_at: number;
  ready_at: number | null;
  limits: string;
  log: string[];
  memory_bytes: number | null;
  cpu_seconds: number | null;
}

export interface SupervisorClient {
  /** Where invocations are forwarded: /instances/<id>/<operation>. */
  base: URL;
  /** The header that lets the hub (and only it) in. */
  authorization: string;
  agent: http.Agent;
  list(): Promise<InstanceView[]>;
  start(id: string, body: { project_id: number; model: string; version: string; grant: string }): Promise<InstanceView>;
  stop(id: string): Promise<void>;
}

/** The hub's client of the serving supervisor's control API (infra/serving/supervisor.py). */
export function supervisorClient(url: string, token: string): SupervisorClient {
  const base = new URL(url);
  const authorization = `Bearer ${token}`;
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, base), {
        method,
        headers: { authorization, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
    } catch {
      throw unavailable("The serving runtime");
    }
    const json = (await res.json().catch(() => ({}))) as T;
    if (!res.ok) throw unavailable("The serving runtime");
    return json;
  }
  return {
    base,
    authorization,
    // Kept alive, and without Nagle's algorithm on our side: the supervisor's listener (aiohttp) sets
    // TCP_NODELAY on its side too, so a reused connection waits for no delayed ACK either way.
    agent: new http.Agent({ keepAlive: true, maxSockets: 256, noDelay: true }),
    list: async () => (await call<{ instances: InstanceView[] }>("GET", "/instances")).instances,
    start: (id, body) => call<InstanceView>("PUT", `/instances/${id}`, body),
    stop: async (id) => void (await call("DELETE", `/instances/${id}`)),
  };
}
