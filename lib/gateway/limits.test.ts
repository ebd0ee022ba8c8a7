import http, { type IncomingMessage } from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayError } from "./errors";
import { clientKey, createLimits, cutOffIdleSender, type LimitsOptions } from "./limits";

const options = (o: Partial<LimitsOptions> = {}): LimitsOptions => ({
  maxRequests: 100,
  maxRequestsPerClient: 10,
  lookupsPerMinute: 60,
  authFailuresPerMinute: 5,
  trustedProxies: [],
  ...o,
});

const refusal = (fn: () => unknown): GatewayError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(GatewayError);
    return e as GatewayError;
  }
  throw new Error("expected a refusal");
};

const request = (remoteAddress: string, forwardedFor?: string) =>
  ({ socket: { remoteAddress }, connection: { remoteAddress }, headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {} }) as unknown as IncomingMessage;

describe("clientKey", () => {
  it("counts an IPv4 address as itself, also when it arrives IPv4-mapped", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts every IPv6 address of one /64 as one client (a host can rotate through its /64)", () => {
    expect(clientKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe(clientKey("2001:db8:1:2::7"));
    expect(clientKey("2001:db8:1:3::1")).not.toBe(clientKey("2001:db8:1:2::1"));
  });
});

describe("the client address", () => {
  it("is the peer's own when no proxy is trusted, whatever X-Forwarded-For claims", () => {
    expect(createLimits(options()).clientOf(request("198.51.100.9", "203.0.113.1"))).toBe("198.51.100.9");
  });

  it("is what a trusted proxy forwarded for, and a client's own X-Forwarded-For entries before it are not believed", () => {
    const limits = createLimits(options({ trustedProxies: ["10.0.0.0/8"] }));
    expect(limits.clientOf(request("10.1.2.3", "198.51.100.9"))).toBe("198.51.100.9");
    // The client sent "X-Forwarded-For: 203.0.113.1"; the proxy appended the address it saw.
    expect(limits.clientOf(request("10.1.2.3", "203.0.113.1, 198.51.100.9"))).toBe("198.51.100.9");
    expect(limits.clientOf(request("198.51.100.20", "203.0.113.1"))).toBe("198.51.100.20");
  });
});

describe("requests in flight", () => {
  it("refuses a client past its cap with 429 REQUEST_LIMIT_EXCEEDED and Retry-After, and admits it again once one ends", () => {
    const limits = createLimits(options({ maxRequestsPerClient: 2 }));
    const first = limits.admit("a");
    limits.admit("a");
    const e = refusal(() => limits.admit("a"));
    expect(e.status).toBe(429);
    expect(e.code).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(Number(e.headers["retry-after"])).toBeGreaterThan(0);
    expect(() => limits.admit("b")).not.toThrow();
    first();
    first();
    expect(() => limits.admit("a")).not.toThrow();
    expect(() => limits.admit("a")).toThrow(GatewayError);
  });

  it("refuses everyone past the global cap with 503 TEMPORARILY_UNAVAILABLE and Retry-After", () => {
    const limits = createLimits(options({ maxRequests: 3 }));
    const releases = ["a", "b", "c"].map((c) => limits.admit(c));
    const e = refusal(() => limits.admit("d"));
    expect(e.status).toBe(503);
    expect(e.code).toBe("TEMPORARILY_UNAVAILABLE");
    expect(Number(e.headers["retry-after"])).toBeGreaterThan(0);
    releases[1]();
    expect(() => limits.admit("d")).not.toThrow();
  });
});

describe("lookups and failed authentications", () => {
  it("gives each client lookupsPerMinute lookups, then 429 with the seconds until the next one, refilling over the minute", () => {
    let t = 0;
    const limits = createLimits(options({ lookupsPerMinute: 6, now: () => t }));
    for (let i = 0; i < 6; i++) limits.chargeLookup("a");
    const e = refusal(() => limits.chargeLookup("a"));
    expect(e.status).toBe(429);
    expect(e.headers["retry-after"]).toBe("10");
    expect(() => limits.chargeLookup("b")).not.toThrow();
    t = 10_000;
    expect(() => limits.chargeLookup("a")).not.toThrow();
    expect(() => limits.chargeLookup("a")).toThrow(GatewayError);
  });

  it("refuses every new lookup from a client after authFailuresPerMinute failures, until they have aged out", () => {
    let t = 0;
    const limits = createLimits(options({ authFailuresPerMinute: 3, now: () => t }));
    for (let i = 0; i < 3; i++) {
      limits.chargeLookup("a");
      limits.failedAuthentication("a");
    }
    const e = refusal(() => limits.chargeLookup("a"));
    expect(e.code).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(e.message).toMatch(/failed authentications/);
    expect(e.headers["retry-after"]).toBe("20");
    expect(() => limits.chargeLookup("b")).not.toThrow();
    t = 20_000;
    expect(() => limits.chargeLookup("a")).not.toThrow();
  });
});

describe("cutOffIdleSender", () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A server that watches each body with `idleMs`, reading it after `readAfterMs`; resolves how each connection ended. */
  async function serve(idleMs: number, readAfterMs = 0) {
    const received: number[] = [];
    server = http.createServer((req, res) => {
      cutOffIdleSender(req, idleMs);
      setTimeout(() => {
        let bytes = 0;
        req.on("data", (c: Buffer) => (bytes += c.length));
        req.on("end", () => {
          received.push(bytes);
          res.end("ok");
        });
      }, readAfterMs);
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    return { port: (server.address() as AddressInfo).port, received };
  }

  /** Sends `length` bytes' head, then `chunks` bytes one every `everyMs`; resolves when the server closes or answers. */
  function send(port: number, length: number, chunks: number, everyMs: number) {
    return new Promise<{ answered: boolean; ms: number }>((resolve) => {
      const t0 = Date.now();
      const socket = net.connect(port, "127.0.0.1");
      let answer = "";
      socket.on("data", (d) => (answer += d.toString()));
      socket.on("error", () => {});
      socket.on("close", () => resolve({ answered: answer.startsWith("HTTP/1.1 200"), ms: Date.now() - t0 }));
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`);
      let sent = 0;
      const timer = setInterval(() => {
        if (sent++ < chunks && socket.writable) socket.write("x");
        else clearInterval(timer);
      }, everyMs);
    });
  }

  it("drops a caller that goes silent mid-body after the idle limit", async () => {
    const { port, received } = await serve(300);
    const r = await send(port, 100, 2, 50);
    expect(r.answered).toBe(false);
    expect(r.ms).toBeGreaterThanOrEqual(300);
    expect(r.ms).toBeLessThan(2_000);
    expect(received).toEqual([]);
  });

  it("lets a body through that takes many times the idle limit while its bytes keep coming", async () => {
    const { port, received } = await serve(300);
    const r = await send(port, 20, 20, 100);
    expect(r.answered).toBe(true);
    expect(r.ms).toBeGreaterThan(1_500);
    expect(received).toEqual([20]);
  });

  it("does not count the time the server is not reading the body as the caller's silence", async () => {
    const { port, received } = await serve(300, 1_000);
    const r = await send(port, 3, 3, 10);
    expect(r.answered).toBe(true);
    expect(received).toEqual([3]);
  });
});
