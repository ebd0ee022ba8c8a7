import type { IncomingMessage, ServerResponse } from "node:http";
import type { ProjectAccess } from "@/lib/gateway/decide";
import { GatewayError, unknownEndpoint } from "@/lib/gateway/errors";
import { forward } from "@/lib/gateway/forward";
import type { EndpointManager, EndpointView } from "./endpoints";
import { endpointStats, servingRequests } from "./metrics";
import type { ServingPath } from "./path";
import type { SupervisorClient } from "./supervisor";

export interface ServingRequestContext {
  /** Authenticates the caller and decides the action in the project (the gateway's own core); throws its refusal. */
  authorize(action: "invoke" | "deploy"): Promise<{ access: ProjectAccess; username?: string }>;
  /** What the gateway records of the request (audit, metrics). */
  note(action: "read" | "write", route: string): void;
  sendJson(json: unknown, status?: number): void;
  sendError(e: GatewayError): void;
}

/** The endpoint as the API shows it: the URL it answers at under this project's prefix, its invocations and mean latency (this hub process's). */
async function shown(endpoints: EndpointView[], prefix: string) {
  const stats = endpoints.length ? await endpointStats(endpoints[0].projectId) : new Map();
  return endpoints.map((e) => ({ ...e, url: `${prefix}/${encodeURIComponent(e.model)}/${e.ref}/invocations`, requests: 0, meanLatencyMs: null, ...renamed(stats.get(`${e.model}\u0000${e.ref}`)) }));
}
const renamed = (s: { requests: number; meanMs: number | null } | undefined) => (s ? { requests: s.requests, meanLatencyMs: s.meanMs } : {});
const withUrl = async (e: EndpointView, prefix: string) => (await shown([e], prefix))[0];

/**
 * /mlflow/<project>/serving/**: the endpoint list, one endpoint's state, deploy (PUT) and stop
 * (DELETE), and MLflow's scoring protocol (invocations, ping, health, version) forwarded to the
 * serving runtime with the gateway's streaming forwarder. Invoking and reading states need the
 * invoke action, deploying and stopping the deploy one (lib/gateway/permissions.ts).
 */
export async function handleServing(req: IncomingMessage, res: ServerResponse, path: ServingPath, prefix: string, search: string, ctx: ServingRequestContext, manager: EndpointManager, supervisor: SupervisorClient): Promise<number> {
  const method = (req.method ?? "GET").toUpperCase();
  if (path.kind === "list") {
    ctx.note("read", "serving:list");
    if (method !== "GET") throw unknownEndpoint(method);
    const { access } = await ctx.authorize("invoke");
    ctx.sendJson({ endpoints: await shown(await manager.list(access.project.id), prefix) });
    return 200;
  }
  if (!path.operation) {
    if (method === "GET") {
      ctx.note("read", "serving:endpoint");
      const { access } = await ctx.authorize("invoke");
      ctx.sendJson(await withUrl(await manager.get(access.project.id, path.model, path.ref), prefix));
      return 200;
    }
    if (method === "PUT" || method === "DELETE") {
      ctx.note("write", method === "PUT" ? "serving:deploy" : "serving:stop");
      const { access, username } = await ctx.authorize("deploy");
      if (method === "PUT") {
        const e = await manager.deploy(access.project.id, path.model, path.ref, username ?? access.credential ?? "unknown");
        ctx.sendJson(await withUrl(e, prefix), 202);
        return 202;
      }
      ctx.sendJson(await withUrl(await manager.stop(access.project.id, path.model, path.ref), prefix));
      return 200;
    }
    throw unknownEndpoint(method);
  }
  const op = path.operation;
  ctx.note("read", `serving:${op}`);
  if (op === "invocations" ? method !== "POST" : method !== "GET" && method !== "HEAD") throw unknownEndpoint(method);
  const { access } = await ctx.authorize("invoke");
  const started = process.hrtime.bigint();
  const { instance, endpoint } = await manager.route(access.project.id, path.model, path.ref);
  const status = await forward(
    req,
    res,
    // Through the runtime's tunnel to the instance's scoring server, which gets MLflow's own paths.
    { base: supervisor.base, path: `/${op}${search}`, agent: supervisor.tunnels, instance, upstream: "The model endpoint" },
    (e) => ctx.sendError(e),
  );
  servingRequests.labels(String(access.project.id), endpoint.model, endpoint.ref, op, String(status)).observe(Number(process.hrtime.bigint() - started) / 1e9);
  return status;
}
