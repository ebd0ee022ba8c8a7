"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useProject } from "@/components/project/context";
import { CopyButton } from "@/components/ui/copy-button";
import { invocationSnippets } from "@/lib/serving/snippet";

/** An endpoint as the gateway's serving API lists it (lib/serving/gateway.ts). */
export interface EndpointItem {
  id: string;
  model: string;
  ref: string;
  kind: "version" | "alias";
  version: string | null;
  state: "starting" | "ready" | "failed" | "stopped" | "idle";
  error: string | null;
  log: string[];
  url: string;
  rollingTo: string | null;
  requests: number;
  meanLatencyMs: number | null;
}

const servingPath = (projectId: number) => `/mlflow/${projectId}/serving`;

async function servingCall<T>(method: string, path: string): Promise<T> {
  const res = await fetch(path, { method, credentials: "same-origin" });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json as { message?: string }).message ?? `HTTP ${res.status}`);
  return json as T;
}

function useEndpoints() {
  const { id } = useProject();
  return useQuery({
    queryKey: ["serving", id],
    queryFn: () => servingCall<{ endpoints: EndpointItem[] }>("GET", `${servingPath(id)}/`).then((r) => r.endpoints),
    // While one starts or rolls over, follow it.
    refetchInterval: (q) => (q.state.data?.some((e) => e.state === "starting" || e.rollingTo) ? 2000 : 15000),
  });
}

const STATE_LABEL: Record<EndpointItem["state"], string> = { starting: "starting", ready: "ready", failed: "failed", stopped: "stopped", idle: "stopped (idle; starts on the next request)" };

function EndpointRow({ e, canDeploy, onChange }: { e: EndpointItem; canDeploy: boolean; onChange: () => void }) {
  const { id, trackingUri } = useProject();
  const snippets = invocationSnippets(trackingUri, e.model, e.ref);
  const act = useMutation({ mutationFn: (method: "PUT" | "DELETE") => servingCall("PUT" === method ? "PUT" : "DELETE", `${servingPath(id)}/${encodeURIComponent(e.model)}/${e.ref}`), onSuccess: onChange });
  return (
    <li className="card endpoint" data-testid={`endpoint-${e.model}-${e.ref}`}>
      <p>
        <strong>
          {e.model} · {e.kind === "alias" ? `@${e.ref}` : `version ${e.ref}`}
        </strong>{" "}
        <span className={`badge state-${e.state}`} data-testid="endpoint-state">
          {STATE_LABEL[e.state]}
        </span>
        {e.version ? <span className="muted"> serving version {e.version}</span> : null}
        {e.rollingTo ? <span className="muted"> · rolling over to version {e.rollingTo}</span> : null}
      </p>
      <p className="muted small">
        {e.requests} invocations{e.meanLatencyMs !== null ? `, ${e.meanLatencyMs.toFixed(1)} ms on average` : ""} · <code>{e.url}</code>
      </p>
      {e.error ? (
        <div role="alert">
          <p className="notice">{e.error}</p>
          {e.log.length ? <pre className="log" data-testid="endpoint-log">{e.log.join("\n")}</pre> : null}
        </div>
      ) : null}
      {e.state !== "stopped" ? (
        <details>
          <summary>Call it</summary>
          <pre data-testid="curl-snippet">{snippets.curl}</pre>
          <CopyButton text={snippets.curl} label="Copy curl" />
          <pre data-testid="python-snippet">{snippets.python}</pre>
          <CopyButton text={snippets.python} label="Copy Python" />
        </details>
      ) : null}
      {canDeploy ? (
        <p>
          {e.state === "stopped" || e.state === "failed" ? (
            <button type="button" className="small" onClick={() => act.mutate("PUT")} disabled={act.isPending}>
              Deploy again
            </button>
          ) : (
            <button type="button" className="small" onClick={() => act.mutate("DELETE")} disabled={act.isPending}>
              Stop
            </button>
          )}
          {act.isError ? <span className="notice"> {(act.error as Error).message}</span> : null}
        </p>
      ) : null}
    </li>
  );
}

/**
 * The project's model endpoints (all of them, or one model's) with their state, traffic and
 * ready calls; Developers and up deploy a version or alias and stop endpoints. Everything goes
 * through the gateway's serving API with the session cookie: the same decisions as a token's.
 */
export function EndpointsPanel({ model, targets }: { model?: string; targets?: { label: string; ref: string }[] }) {
  const { id, can } = useProject();
  const queryClient = useQueryClient();
  const endpoints = useEndpoints();
  const [target, setTarget] = useState(targets?.[0]?.ref ?? "");
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["serving", id] });
  const deploy = useMutation({ mutationFn: (ref: string) => servingCall("PUT", `${servingPath(id)}/${encodeURIComponent(model!)}/${ref}`), onSuccess: refresh });
  const shown = (endpoints.data ?? []).filter((e) => model === undefined || e.model === model);
  return (
    <section className="card" aria-labelledby="endpoints-title">
      <h2 id="endpoints-title">Endpoints</h2>
      {model && can.deploy && targets?.length ? (
        <form
          className="inline-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            deploy.mutate(target || targets[0].ref);
          }}
        >
          <label>
            Deploy{" "}
            <select value={target} onChange={(ev) => setTarget(ev.target.value)} aria-label="Version or alias to deploy">
              {targets.map((t) => (
                <option key={t.ref} value={t.ref}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>{" "}
          <button type="submit" disabled={deploy.isPending}>
            Deploy
          </button>
          {deploy.isError ? <span className="notice"> {(deploy.error as Error).message}</span> : null}
        </form>
      ) : null}
      {endpoints.isError ? (
        <p className="notice">{(endpoints.error as Error).message}</p>
      ) : endpoints.isPending ? (
        <p className="loading" role="status">
          Loading endpoints…
        </p>
      ) : shown.length === 0 ? (
        <p className="empty">No endpoints{model ? " for this model" : ""} yet.{can.deploy ? " Deploy a version or an alias from a model's page." : ""}</p>
      ) : (
        <ul className="endpoint-list">
          {shown.map((e) => (
            <EndpointRow key={e.id} e={e} canDeploy={can.deploy} onChange={refresh} />
          ))}
        </ul>
      )}
    </section>
  );
}
