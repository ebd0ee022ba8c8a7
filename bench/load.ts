import http from "node:http";
import { Readable } from "node:stream";

export interface LoadResult {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  /** Requests per second over the whole run. */
  rps: number;
  latencies: number[];
  seconds: number;
}

/** One result from several runs of the same scenario (interleaved rounds). */
export function combine(results: LoadResult[]): LoadResult {
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = results.reduce((n, r) => n + r.requests, 0);
  const seconds = results.reduce((n, r) => n + r.seconds, 0);
  return { requests, errors: results.reduce((n, r) => n + r.errors, 0), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), rps: requests / seconds, latencies, seconds };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

/**
 * Sends `total` requests from `concurrency` keep-alive clients and times each one.
 * Bodies are produced per request so every call logs something new.
 */
export async function load(o: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** The body of request `i`, sent by client `client` (0 … concurrency-1). */
  body?: (i: number, client: number) => string;
  total: number;
  concurrency: number;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const url = new URL(o.url);
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const one = (i: number, client: number) =>
    new Promise<void>((resolve) => {
      const body = o.body?.(i, client);
      const t0 = process.hrtime.bigint();
      const req = http.request(
        { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: o.method ?? "GET", agent, headers: { ...o.headers, ...(body ? { "content-type": "application/json", "content-length": Buffer.byteLength(body) } : {}) } },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if ((res.statusCode ?? 500) >= 300) errors++;
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async (_, client) => {
      while (next < o.total) await one(next++, client);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: o.total, errors, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), rps: o.total / seconds, latencies, seconds };
}

export interface Transfer {
  seconds: number;
  /** Bytes of the answer's body. */
  bytes: number;
  status: number;
}

const BLOCK = Buffer.alloc(1 << 20, 7);

/**
 * One artifact request timed from its start to the last byte of the answer: with `uploadMiB`, a PUT
 * of that many MiB streamed from one reused block (the client holds 1 MiB, whatever the size);
 * without, the answer's body is counted and dropped.
 */
export function timedTransfer(url: URL, method: string, headers: http.OutgoingHttpHeaders, uploadMiB?: number): Promise<Transfer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const upload = uploadMiB === undefined ? {} : { "content-type": "application/octet-stream", "content-length": uploadMiB * BLOCK.length };
    const req = http.request(url, { method, headers: { ...headers, ...upload } }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => resolve({ seconds: (performance.now() - t0) / 1000, bytes, status: res.statusCode ?? 0 }));
    });
    req.on("error", reject);
    if (uploadMiB === undefined) req.end();
    else Readable.from((function* () { for (let i = 0; i < uploadMiB; i++) yield BLOCK; })()).pipe(req);
  });
}
