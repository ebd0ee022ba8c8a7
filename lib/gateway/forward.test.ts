import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forward, mlflowAgent } from "./forward";

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
  gateway = http.createServer((req, res) => void forward(req, res, { base, path: req.url ?? "/", workspace: "gitlab-1" }, () => res.destroy()));
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
});
