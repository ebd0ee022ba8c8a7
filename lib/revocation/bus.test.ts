import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { createRevocationBus, REVOCATION_CHANNEL, type ListenerConnection } from "./bus";
import type { Revocation } from "./events";

const HASH = "a".repeat(43);
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

/**
 * A stand-in for one Postgres: it relays every NOTIFY to the connections LISTENing at that moment,
 * as Postgres does (a connection that is down misses it), and can refuse or cut connections.
 */
function postgres() {
  const listening = new Set<Connection>();
  let refusing = false;
  class Connection extends EventEmitter implements ListenerConnection {
    async connect() {
      if (refusing) throw new Error("connection refused");
    }
    async query(sql: string) {
      if (sql === `LISTEN ${REVOCATION_CHANNEL}`) listening.add(this);
    }
    async end() {
      listening.delete(this);
    }
  }
  return {
    listener: () => new Connection(),
    notify: async (payload: string) => {
      if (refusing) throw new Error("connection refused");
      for (const c of listening) c.emit("notification", { channel: REVOCATION_CHANNEL, payload });
    },
    /** pg_terminate_backend on every listener: Postgres errors the connection, then it ends. */
    terminateAll() {
      for (const c of [...listening]) {
        listening.delete(c);
        c.emit("error", new Error("terminating connection due to administrator command"));
        c.emit("end");
      }
    },
    refuse: (on: boolean) => void (refusing = on),
    raw: (payload: string) => {
      for (const c of listening) c.emit("notification", { channel: REVOCATION_CHANNEL, payload });
    },
    get listeners() {
      return listening.size;
    },
  };
}

function hubProcess(pg: ReturnType<typeof postgres>) {
  const seen: Revocation[] = [];
  const bus = createRevocationBus({ listener: pg.listener, notify: pg.notify, log: quiet, minBackoffMs: 10, maxBackoffMs: 40 });
  bus.on((r) => void seen.push(r));
  bus.start();
  return { bus, seen };
}

const until = async (ok: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("the revocation bus", () => {
  it("applies a revocation to the process that publishes it at once, and to every other process once, not twice to itself", async () => {
    const pg = postgres();
    const a = hubProcess(pg);
    const b = hubProcess(pg);
    await until(() => a.bus.listening && b.bus.listening);
    a.seen.length = b.seen.length = 0;
    expect(await a.bus.publish({ kind: "session", hash: HASH })).toBe(true);
    expect(a.seen).toEqual([{ kind: "session", hash: HASH }]);
    expect(b.seen).toEqual([{ kind: "session", hash: HASH }]);
    await Promise.all([a.bus.close(), b.bus.close()]);
  });

  it("reconnects after Postgres cut its connection, forgets everything then (it may have missed events), and receives again", async () => {
    const pg = postgres();
    const a = hubProcess(pg);
    const b = hubProcess(pg);
    await until(() => a.bus.listening && b.bus.listening);
    pg.refuse(true);
    pg.terminateAll();
    expect(b.bus.listening).toBe(false);
    b.seen.length = 0;
    await new Promise((r) => setTimeout(r, 60));
    pg.refuse(false);
    await until(() => b.bus.listening && a.bus.listening);
    expect(b.seen).toEqual([{ kind: "all" }]);
    expect(b.bus.connections).toBe(2);
    await a.bus.publish({ kind: "token", hash: HASH });
    expect(b.seen).toEqual([{ kind: "all" }, { kind: "token", hash: HASH }]);
    await Promise.all([a.bus.close(), b.bus.close()]);
  });

  it("still applies a revocation here when Postgres cannot carry it, and says the others were not told", async () => {
    const pg = postgres();
    const a = hubProcess(pg);
    await until(() => a.bus.listening);
    pg.refuse(true);
    a.seen.length = 0;
    expect(await a.bus.publish({ kind: "token", hash: HASH })).toBe(false);
    expect(a.seen).toEqual([{ kind: "token", hash: HASH }]);
    await a.bus.close();
  });

  it("ignores notifications that are not revocations, and a handler that throws does not stop the others", async () => {
    const pg = postgres();
    const seen: Revocation[] = [];
    const bus = createRevocationBus({ listener: pg.listener, notify: pg.notify, log: quiet });
    bus.on(() => {
      throw new Error("broken cache");
    });
    bus.on((r) => void seen.push(r));
    bus.start();
    await until(() => bus.listening);
    seen.length = 0;
    for (const payload of ["", "{", JSON.stringify({ from: "x", revocation: { kind: "grant", all: true } }), JSON.stringify({ from: "x", revocation: { kind: "session", hash: "short" } })]) pg.raw(payload);
    expect(seen).toEqual([]);
    pg.raw(JSON.stringify({ from: "other", revocation: { kind: "project", id: 101, paths: ["ml-team/flood-detection"] } }));
    expect(seen).toEqual([{ kind: "project", id: 101, paths: ["ml-team/flood-detection"] }]);
    await bus.close();
    expect(pg.listeners).toBe(0);
  });
});
