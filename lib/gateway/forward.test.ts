import { createHash } from "node:crypto";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { downstreamHeaders, forward, mlflowAgent } from "./forward";

// A stand-in MLflow on loopback and a bare gateway in front of it that only calls forward().
const MIB = 1 << 20;
/** Bytes that differ from one read buffer's worth to the next, so a buffer overwritten too early shows. */
const pattern = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + (i >> 16)) % 251));
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let upstream: http.Server;
let gateway: http.Server;
let base: URL;
let gatewayUrl: string;
const upstreamConnections: number[] = [];
let lastUpload: { bytes: number; sha: string } | undefined;
let hungUp: Promise<boolean> = Promise.resolve(false);
const failures: { status: number; body: string }[] = [];
const upstreamOpen = () => new Promise<number>((resolve) => upstream.getConnections((_e, n) => resolve(n)));
async function settles(probe: () => Promise<boolean>, withinMs = 3_000) {
  const deadline = Date.now() + withinMs;
  while (!(await probe()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return probe();
}

const listen = (server: http.Server) => new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));

beforeAll(async () => {
  const body = pattern(8 * MIB);
  upstream = http.createServer((req, res) => {
    if (req.url === "/download") {
      // Chunked, in 1 MiB writes, as MLflow sends artifacts.
      res.writeHead(200, { "content-type": "application/octet-stream" });
      let offset = 0;
      const more = () => {
        while (offset < body.length) {
          const chunk = body.subarray(offset, offset + MIB);
          offset += MIB;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    } else if (req.url === "/upload") {
      const hash = createHash("sha256");
      let bytes = 0;
      req.on("data", (c: Buffer) => {
        bytes += c.length;
        hash.update(c);
      });
      req.on("end", () => {
        lastUpload = { bytes, sha: hash.digest("hex") };
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      });
    } else if (req.url === "/early") {
      // Answers at once and never reads the body, as MLflow's /health does.
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("OK");
    } else if (req.url === "/fail") {
      req.resume();
      res.writeHead(500, { "content-type": "text/html" });
      res.end("<h1>Internal Server Error</h1> postgresql://mlflow@db:5432/mlflow");
    } else if (req.url === "/endless") {
      // Never ends: only the caller going away stops it.
      res.writeHead(200, { "content-type": "application/octet-stream" });
      hungUp = new Promise((resolve) => res.on("close", () => resolve(!res.writableFinished)));
      const block = Buffer.alloc(64 * 1024, 1);
      const more = () => {
        while (!res.destroyed) if (!res.write(block)) return void res.once("drain", more);
      };
      more();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  upstream.on("connection", (socket) => upstreamConnections.push(socket.remotePort ?? 0));
  base = new URL(`http://127.0.0.1:${await listen(upstream)}`);
  gateway = http.createServer(
    (req, res) =>
      void forward(req, res, { base, path: req.url ?? "/", workspace: "gitlab-1" }, () => res.destroy(), (status, body) => {
        failures.push({ status, body });
        res.writeHead(status, { "content-type": "application/json" });
        res.end('{"error_code":"INTERNAL_ERROR"}');
      }),
  );
  gatewayUrl = `http://127.0.0.1:${await listen(gateway)}`;
});

afterAll(async () => {
  mlflowAgent.destroy();
  await Promise.all([gateway, upstream].map((s) => new Promise((r) => s.close(r))));
});

function download(url: string, agent?: http.Agent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks)));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

describe("forward", () => {
  it("reads MLflow's answers into one buffer per connection, not a new one per read", async () => {
    const buffers = new Set<ArrayBufferLike>();
    let reads = 0;
    const body = await new Promise<Buffer>((resolve, reject) => {
      const req = http.get({ host: base.hostname, port: base.port, path: "/download", agent: mlflowAgent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks)));
      });
      req.on("socket", (socket) =>
        socket.on("data", (d: Buffer) => {
          reads++;
          buffers.add(d.buffer);
        }),
      );
      req.on("error", reject);
    });
    expect(body.length).toBe(8 * MIB);
    expect(reads).toBeGreaterThan(1);
    expect(buffers.size).toBe(1);
  });

  it("streams downloads intact, each forwarded request on a connection of its own to MLflow (no kept-alive connection to stall)", async () => {
    const expected = sha256(pattern(8 * MIB));
    const before = upstreamConnections.length;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 2; i++) {
        const body = await download(`${gatewayUrl}/download`, agent);
        expect(body.length).toBe(8 * MIB);
        expect(sha256(body)).toBe(expected);
      }
    } finally {
      agent.destroy();
    }
    // The caller kept its connection to the hub; the hub opened a new one to MLflow per request.
    expect(upstreamConnections.length - before).toBe(2);
  });

  it("streams uploads intact", async () => {
    const body = pattern(8 * MIB);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${gatewayUrl}/upload`, { method: "PUT", headers: { "content-length": body.length } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(200);
    expect(lastUpload).toEqual({ bytes: body.length, sha: sha256(body) });
  });

  it("stops MLflow's side when the caller hangs up mid-download", async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${gatewayUrl}/endless`, (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (bytes > 4 * MIB) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on("error", () => {});
      setTimeout(() => reject(new Error("no data")), 10_000);
    });
    expect(await hungUp).toBe(true);
  });

  // Issue 11, hole 1: 600 such connections held all 256 of the agent's sockets for good.
  it("a caller that declares a 100 MB body MLflow answers without reading, trickles a few bytes and hangs up leaves no connection to MLflow", async () => {
    const callers = Array.from({ length: 20 }, () => {
      const socket = net.connect(Number(new URL(gatewayUrl).port), "127.0.0.1");
      socket.on("error", () => {});
      socket.write("GET /early HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\nabc");
      return new Promise<net.Socket>((resolve) => socket.once("data", () => resolve(socket)));
    });
    for (const socket of await Promise.all(callers)) {
      socket.write("def");
      socket.destroy();
    }
    expect(await settles(async () => (await upstreamOpen()) === 0), "connections to MLflow still open").toBe(true);
    expect(Object.keys(mlflowAgent.sockets)).toEqual([]);
  });

  it("ends MLflow's side once the caller's answer is complete, even while the caller still sends a body MLflow did not wait for", async () => {
    const socket = net.connect(Number(new URL(gatewayUrl).port), "127.0.0.1");
    socket.on("error", () => {});
    socket.write("PUT /early HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
    await new Promise((resolve) => socket.once("data", resolve));
    const timer = setInterval(() => socket.write("x"), 50);
    try {
      expect(await settles(async () => (await upstreamOpen()) === 0), "MLflow's side waits for the rest of the body").toBe(true);
    } finally {
      clearInterval(timer);
      socket.destroy();
    }
  });

  it("stops MLflow's side when the caller hangs up mid-upload", async () => {
    const socket = net.connect(Number(new URL(gatewayUrl).port), "127.0.0.1");
    socket.on("error", () => {});
    socket.write(`PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * MIB}\r\n\r\n`);
    socket.write(Buffer.alloc(MIB));
    expect(await settles(async () => (await upstreamOpen()) === 1)).toBe(true);
    socket.destroy();
    expect(await settles(async () => (await upstreamOpen()) === 0), "the upload to MLflow is still open").toBe(true);
  });

  it("hands MLflow's 5xx body to onFailure instead of streaming it to the caller", async () => {
    const res = await fetch(`${gatewayUrl}/fail`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error_code":"INTERNAL_ERROR"}');
    expect(failures.at(-1)).toEqual({ status: 500, body: "<h1>Internal Server Error</h1> postgresql://mlflow@db:5432/mlflow" });
  });
});

describe("downstreamHeaders", () => {
  it("passes MLflow's headers on but not its cookies or a CSP of its own, which would replace the hub's for the route", () => {
    const out = downstreamHeaders({ "content-type": "text/html", "content-disposition": "attachment; filename=r.html", "x-content-type-options": "nosniff", "set-cookie": ["s=1"], "content-security-policy": "script-src * 'unsafe-inline'" });
    expect(out).toEqual({ "content-type": "text/html", "content-disposition": "attachment; filename=r.html", "x-content-type-options": "nosniff" });
  });
});
