import http from "node:http";
import { describeAnswer, type Answer } from "./refusals.ts";

/**
 * The hub of the stack scripts/test starts. Without it the suite fails: a
 * conformance suite that skips itself proves nothing and looks green.
 */
function stackEnv(name: "AUTH_URL" | "MLFLOW_URL"): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: the gateway conformance suite needs the test stack. Run it through scripts/test, or start a stack and export its environment (set -a; . .local/<state>/env; set +a).`,
    );
  }
  return value;
}

export const HUB_URL = new URL(stackEnv("AUTH_URL"));
/** MLflow itself, behind the hub: only for checking what a refusal did not do. */
export const MLFLOW_URL = new URL(stackEnv("MLFLOW_URL"));

export const FLOOD = { id: 101, path: "ml-team/flood-detection", workspace: "gitlab-101" } as const;
export const SEGMENTATION = { id: 102, path: "ml-team/vision/segmentation", workspace: "gitlab-102" } as const;
export const PUBLIC_MODELS = { id: 103, path: "open-science/public-models" } as const;
export const INTERNAL_BASELINES = { id: 104, path: "ml-team/internal-baselines" } as const;

/** The tracking URI's path (no trailing slash) for a project path or id. */
export const tracking = (project: string | number) => `/mlflow/${project}/tracking`;

export const TOKENS = {
  alice: "glpat-alice-demo",
  bob: "glpat-bob-demo",
  carol: "glpat-carol-demo",
  dave: "glpat-dave-demo",
  erin: "glpat-erin-demo",
  maya: "glpat-maya-demo",
  oscar: "glpat-oscar-demo",
  bobExpired: "glpat-bob-expired",
  bobRevoked: "glpat-bob-revoked",
  bobReadUser: "glpat-bob-readuser",
  jobRunning: "glcbt-demo-running",
  jobFinished: "glcbt-demo-finished",
} as const;

export interface Reply extends Answer {
  /** Parsed JSON body, when it is JSON. */
  json: any;
}

export interface Call {
  method?: string;
  /** Sent verbatim (node:http does not normalise dot-segments or re-encode, unlike fetch). */
  path: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  headers?: Record<string, string | string[]>;
  /** An object is sent as JSON; a string or Buffer as is (JSON content type unless headers say otherwise). */
  body?: unknown;
  target?: URL;
}

const agents = new Map<string, http.Agent>();
const agentFor = (u: URL) => {
  let a = agents.get(u.host);
  if (!a) agents.set(u.host, (a = new http.Agent({ keepAlive: true, maxSockets: 32 })));
  return a;
};

export function send(call: Call): Promise<Reply> {
  const target = call.target ?? HUB_URL;
  const payload =
    call.body === undefined ? undefined : typeof call.body === "string" || Buffer.isBuffer(call.body) ? Buffer.from(call.body as string) : Buffer.from(JSON.stringify(call.body));
  const headers: Record<string, string | string[]> = {};
  if (payload) headers["content-type"] = "application/json";
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  Object.assign(headers, call.headers);
  if (payload) headers["content-length"] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, method: call.method ?? "GET", path: call.path, headers, agent: agentFor(target), setHost: !("host" in headers) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${call.method ?? "GET"} ${call.path}: no answer in 30 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function inBatches<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A request that must succeed (fixture set-up); its answer's JSON. */
export async function must(call: Call): Promise<any> {
  const r = await send(call);
  if (r.status !== 200 && r.status !== 201) throw new Error(`${call.method ?? "GET"} ${call.path} failed while planting fixtures: ${describeAnswer(r)}`);
  return r.json;
}

function sentText(call: Call): string {
  const body = call.body === undefined ? "" : typeof call.body === "string" || Buffer.isBuffer(call.body) ? String(call.body) : JSON.stringify(call.body);
  return [call.path, body, JSON.stringify(call.headers ?? {})].join("\n");
}

/**
 * The secrets an answer carries, in its body or any header, that its request
 * did not: an answer may repeat what the caller sent (MLflow echoes ids in
 * "not found" messages), nothing else.
 */
export function leaked(secrets: readonly string[], call: Call, reply: Reply): string[] {
  const sent = sentText(call);
  const received = [reply.text, ...Object.entries(reply.headers).map(([k, v]) => `${k}: ${String(v)}`)].join("\n");
  return secrets.filter((s) => !sent.includes(s) && received.includes(s));
}

export const query = (params: Record<string, string | readonly string[]>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of typeof v === "string" ? [v] : v) q.append(k, one);
  return `?${q}`;
};
