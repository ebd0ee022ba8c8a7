import { randomUUID } from "node:crypto";
import { decodeMessage, encodeMessage, type Revocation } from "./events";

/** The one Postgres channel revocations travel on. */
export const REVOCATION_CHANNEL = "mlflow_hub_revocations";

/** What the bus needs of a `pg.Client`: one dedicated connection that LISTENs (a pooled one would be handed back). */
export interface ListenerConnection {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<unknown>;
  on(event: "notification", listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
}

interface Log {
  info(o: object, msg: string): void;
  warn(o: object, msg: string): void;
  error(o: object, msg: string): void;
  debug(o: object, msg: string): void;
}

export interface RevocationBusOptions {
  /** A new, unconnected listener connection; called again for each reconnection. */
  listener(): ListenerConnection;
  /** Sends one payload on REVOCATION_CHANNEL (pg_notify through any connection). */
  notify(payload: string): Promise<void>;
  log: Log;
  /** First retry after a lost or refused connection; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export type RevocationHandler = (r: Revocation) => void;

/**
 * Revocations shared by every hub process through Postgres LISTEN/NOTIFY. A process applies what
 * it publishes to itself at once, then notifies; every other process applies it when the
 * notification arrives. Notifications sent while a listener is disconnected are lost to it, so
 * each (re)connection applies `all`: the caches start empty rather than miss a revocation.
 * A notification can only make a process forget; it never grants anything.
 */
export function createRevocationBus(o: RevocationBusOptions) {
  const id = randomUUID();
  const minBackoff = o.minBackoffMs ?? 250;
  const maxBackoff = o.maxBackoffMs ?? 10_000;
  const handlers = new Set<RevocationHandler>();
  let current: ListenerConnection | undefined;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  let connections = 0;

  function apply(r: Revocation) {
    for (const handler of handlers) {
      try {
        handler(r);
      } catch (e) {
        o.log.error({ err: e, kind: r.kind }, "a revocation could not be applied");
      }
    }
  }

  function retryLater() {
    if (stopped || timer) return;
    const delay = Math.min(maxBackoff, minBackoff * 2 ** attempt++);
    // Jitter: replicas that lost Postgres together do not all dial it back at the same instant.
    timer = setTimeout(() => {
      timer = undefined;
      void listen();
    }, delay * (0.75 + Math.random() / 2));
    timer.unref();
  }

  async function listen() {
    if (stopped) return;
    const connection = o.listener();
    let lost = false;
    const onLost = (e?: Error) => {
      if (lost) return;
      lost = true;
      if (current === connection) {
        current = undefined;
        o.log.warn({ err: e }, "lost the revocation listener's connection to Postgres; reconnecting");
      }
      connection.end().catch(() => undefined);
      retryLater();
    };
    connection.on("error", onLost);
    connection.on("end", () => onLost());
    connection.on("notification", (n) => {
      if (n.channel !== REVOCATION_CHANNEL) return;
      const m = decodeMessage(n.payload);
      if (!m) return void o.log.warn({}, "ignored a malformed revocation notification");
      if (m.from !== id) apply(m.revocation);
    });
    try {
      await connection.connect();
      await connection.query(`LISTEN ${REVOCATION_CHANNEL}`);
    } catch (e) {
      if (!lost) {
        o.log.warn({ err: e, attempt }, "the revocation listener could not reach Postgres; retrying");
        onLost();
      }
      return;
    }
    if (lost || stopped) {
      connection.end().catch(() => undefined);
      return;
    }
    current = connection;
    attempt = 0;
    connections++;
    apply({ kind: "all" });
    o.log.info({ connections }, "listening for revocations");
  }

  return {
    /** Registers what a cache does with each revocation; returns the unsubscribe. */
    on(handler: RevocationHandler): () => void {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    /** Starts listening (once; later calls do nothing). */
    start() {
      if (started) return;
      started = true;
      void listen();
    },
    /**
     * Applies the revocation here, then tells every other process. False when they could not be
     * told (Postgres unreachable): this process has forgotten, the others keep it until their TTL.
     */
    async publish(r: Revocation): Promise<boolean> {
      apply(r);
      try {
        await o.notify(encodeMessage(id, r));
        return true;
      } catch (e) {
        o.log.error({ err: e, kind: r.kind }, "a revocation could not be sent to the other hub processes");
        return false;
      }
    },
    /** Whether a listener connection is up now. */
    get listening() {
      return current !== undefined;
    },
    /** How many times a listener connection came up (the first and each reconnection). */
    get connections() {
      return connections;
    },
    async close() {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = current;
      current = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

export type RevocationBus = ReturnType<typeof createRevocationBus>;
