import http from "node:http";
import net from "node:net";
import type { Duplex } from "node:stream";
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
  /** The runtime's address: its control API, and the tunnels to its instances. */
  base: URL;
  /** Connections to the instances' scoring servers, one pool per instance (request option `instance`). */
  tunnels: http.Agent;
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
    tunnels: new TunnelAgent(base, authorization),
    list: async () => (await call<{ instances: InstanceView[] }>("GET", "/instances")).instances,
    start: (id, body) => call<InstanceView>("PUT", `/instances/${id}`, body),
    stop: async (id) => void (await call("DELETE", `/instances/${id}`)),
  };
}

/** A tunnel the runtime refused (an instance it does not know, or one not ready): no request went through. */
export class TunnelRefused extends Error {
  constructor(readonly status: number) {
    super(`the serving runtime refused the tunnel (${status})`);
  }
}

/** How long an idle tunnel is kept: less than the scoring server keeps an idle connection (30 s, supervisor.py). */
export const TUNNEL_IDLE_MS = 20_000;
const TUNNEL_HEAD_LIMIT = 16 * 1024;

/**
 * Connections straight to one instance's scoring server, through the runtime. Each opens with
 * `CONNECT /instances/<id>` and the runtime's token; once the runtime answers 200 it only copies
 * bytes, and the hub speaks HTTP to MLflow's scoring server itself, kept alive per instance (the
 * pool's name carries the request option `instance`). An invocation thus crosses one HTTP stack,
 * not two (docs/benchmarks.md), and the token is in the preamble alone: no request the model's
 * server sees carries it.
 */
export class TunnelAgent extends http.Agent {
  constructor(
    private readonly runtime: URL,
    private readonly authorization: string,
  ) {
    super({ keepAlive: true, maxSockets: 256 });
  }

  override getName(options: http.ClientRequestArgs & { instance?: string } = {}): string {
    return `${super.getName(options)}:${options.instance ?? ""}`;
  }

  override createConnection(options: http.ClientRequestArgs, done?: (err: Error | null, stream: Duplex) => void): undefined {
    const instance = (options as { instance?: string }).instance ?? "";
    const socket = net.connect({ host: this.runtime.hostname, port: Number(this.runtime.port || 80), noDelay: true });
    // Idle in the pool this long, then closed (Node's agent destroys a free socket on 'timeout').
    socket.setTimeout(TUNNEL_IDLE_MS);
    let head = Buffer.alloc(0);
    const fail = (e: Error) => {
      socket.off("data", onData);
      socket.destroy();
      done?.(e, socket);
    };
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > TUNNEL_HEAD_LIMIT) fail(new Error("the serving runtime sent no answer to the tunnel"));
        return;
      }
      socket.off("data", onData);
      socket.off("error", fail);
      socket.off("timeout", onTimeout);
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head.subarray(0, end).toString("latin1"))?.[1] ?? 0);
      // Nothing may follow the runtime's 200 before our first request: the scoring server speaks only when asked.
      if (status !== 200 || head.length > end + 4) return fail(new TunnelRefused(status));
      done?.(null, socket);
    };
    const onTimeout = () => fail(new Error("the serving runtime did not answer the tunnel in time"));
    socket.once("error", fail);
    socket.once("timeout", onTimeout);
    socket.once("connect", () => {
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(instance)) return fail(new TunnelRefused(404));
      socket.write(`CONNECT /instances/${instance} HTTP/1.1\r\nhost: ${this.runtime.host}\r\nauthorization: ${this.authorization}\r\n\r\n`);
    });
    socket.on("data", onData);
    return undefined;
  }
}
