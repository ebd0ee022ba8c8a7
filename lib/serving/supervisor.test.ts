import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TunnelAgent, TunnelRefused } from "./supervisor";

// A stand-in for the runtime's front (infra/serving/supervisor.py): it reads each connection's
// CONNECT preamble, refuses what the real one refuses, and hands an accepted connection to an HTTP
// server playing the instance's scoring server, which records every request it gets.
const TOKEN = "Bearer runtime-token-of-at-least-32-characters";
const preambles: string[] = [];
const seen: { instance: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
let runtime: net.Server;
let base: URL;

beforeAll(async () => {
  runtime = net.createServer((socket) => {
    let head = "";
    const onData = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      preambles.push(head.slice(0, end));
      const [line, ...fields] = head.slice(0, end).split("\r\n");
      const instance = /^CONNECT \/instances\/([a-z0-9-]+) HTTP\/1\.1$/.exec(line)?.[1];
      const auth = fields.filter((f) => f.toLowerCase().startsWith("authorization:")).map((f) => f.slice(14).trim());
      if (auth.length !== 1 || auth[0] !== TOKEN) return void socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      if (!instance || instance === "gone") return void socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
      socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      const scoring = http.createServer((req, res) => {
        seen.push({ instance, url: req.url!, headers: req.headers });
        req.resume().on("end", () => res.end(JSON.stringify({ instance, url: req.url })));
      });
      scoring.emit("connection", socket);
    };
    socket.on("data", onData);
  });
  await new Promise<void>((done) => runtime.listen(0, "127.0.0.1", done));
  base = new URL(`http://127.0.0.1:${(runtime.address() as net.AddressInfo).port}`);
});
afterAll(() => new Promise<void>((done) => runtime.close(() => done())));

function call(agent: http.Agent, instance: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path, method: "POST", agent, headers, instance } as http.RequestOptions, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end("{}");
  });
}

describe("tunnels to the serving runtime's instances", () => {
  it("opens one tunnel per instance with the runtime's token in its preamble, and keeps it alive for the next invocations", async () => {
    const agent = new TunnelAgent(base, TOKEN);
    preambles.length = 0;
    seen.length = 0;
    try {
      for (let i = 0; i < 3; i++) expect(await call(agent, "abc-v1", "/invocations")).toEqual({ status: 200, body: JSON.stringify({ instance: "abc-v1", url: "/invocations" }) });
      expect(await call(agent, "def-v2", "/ping")).toMatchObject({ status: 200, body: JSON.stringify({ instance: "def-v2", url: "/ping" }) });
      expect(preambles).toEqual([
        `CONNECT /instances/abc-v1 HTTP/1.1\r\nhost: ${base.host}\r\nauthorization: ${TOKEN}`,
        `CONNECT /instances/def-v2 HTTP/1.1\r\nhost: ${base.host}\r\nauthorization: ${TOKEN}`,
      ]);
      expect(seen.map((s) => s.instance)).toEqual(["abc-v1", "abc-v1", "abc-v1", "def-v2"]);
    } finally {
      agent.destroy();
    }
  });

  it("never lets the runtime's token reach the scoring server (the model's code), not even as a header the request carries", async () => {
    const agent = new TunnelAgent(base, TOKEN);
    seen.length = 0;
    try {
      await call(agent, "abc-v1", "/invocations", { "content-type": "application/json" });
      expect(seen).toHaveLength(1);
      expect(JSON.stringify(seen[0].headers)).not.toContain("runtime-token");
      expect(seen[0].headers.authorization).toBeUndefined();
    } finally {
      agent.destroy();
    }
  });

  it("fails the request without sending it when the runtime refuses the tunnel (an unknown instance, a wrong token)", async () => {
    const agent = new TunnelAgent(base, TOKEN);
    const wrong = new TunnelAgent(base, "Bearer another-token");
    seen.length = 0;
    try {
      await expect(call(agent, "gone", "/invocations")).rejects.toEqual(new TunnelRefused(404));
      await expect(call(wrong, "abc-v1", "/invocations")).rejects.toEqual(new TunnelRefused(401));
      // An instance name that is not one is never sent to the runtime.
      await expect(call(agent, "../control", "/invocations")).rejects.toEqual(new TunnelRefused(404));
      expect(seen).toEqual([]);
    } finally {
      agent.destroy();
      wrong.destroy();
    }
  });
});
