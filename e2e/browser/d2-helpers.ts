import type { Page } from "@playwright/test";

/** Signs a demo user in through the GitLab stand-in and waits to be back on the hub. */
export async function signInAs(page: Page, hub: string, username: string, password: string) {
  await page.goto(`${hub}/signin`);
  await page.getByRole("button", { name: "Sign in with GitLab" }).click();
  await page.getByLabel("Username or primary email").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.origin === new URL(hub).origin && !url.pathname.startsWith("/signin"));
}

export interface SeedMetric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

/**
 * MLflow's REST API through the hub's gateway with a GitLab token — what the
 * SDK does, without Python: seeds the data the pages then show.
 */
export function mlflowRest(hub: string, project: string, token: string) {
  const base = `${hub}/mlflow/${project}/tracking`;
  const headers = { authorization: `Bearer ${token}` };

  async function post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${base}/api/2.0/mlflow${path}`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  return {
    base,
    createExperiment: async (name: string) => (await post<{ experiment_id: string }>("/experiments/create", { name })).experiment_id,
    createRun: async (experimentId: string, runName: string, startTime: number, tags: { key: string; value: string }[] = [], userId?: string) =>
      (await post<{ run: { info: { run_id: string; artifact_uri: string } } }>("/runs/create", { experiment_id: experimentId, run_name: runName, start_time: startTime, tags, user_id: userId })).run.info,
    /** MLflow's own answer to a search, error included: what the page must show the user. */
    searchRuns: async (body: unknown) => {
      const res = await fetch(`${base}/api/2.0/mlflow/runs/search`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { runs?: unknown[]; error_code?: string; message?: string } };
    },
    logBatch: (runId: string, b: { params?: { key: string; value: string }[]; metrics?: SeedMetric[]; tags?: { key: string; value: string }[] }) => post("/runs/log-batch", { run_id: runId, ...b }),
    endRun: (runId: string, endTime: number, status = "FINISHED") => post("/runs/update", { run_id: runId, status, end_time: endTime }),
    logInputs: (runId: string, datasets: unknown[]) => post("/runs/log-inputs", { run_id: runId, datasets }),
    /** Uploads an artifact into a run through the gateway's artifact proxy (mlflow-artifacts:/… → /api/2.0/mlflow-artifacts/artifacts/…). */
    async uploadArtifact(artifactUri: string, path: string, body: Uint8Array | string, contentType = "application/octet-stream") {
      const root = artifactUri.replace(/^mlflow-artifacts:\/?/, "").replace(/^\/+/, "");
      const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, { method: "PUT", headers: { ...headers, "content-type": contentType }, body: typeof body === "string" ? body : new Uint8Array(body) });
      if (!res.ok) throw new Error(`PUT artifact ${path} → ${res.status} ${await res.text()}`);
    },
  };
}

/** A 4×4 PNG (red left, blue right): small enough to inline, real enough for <img> to decode. */
export const TINY_PNG = Uint8Array.from(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAE0lEQVR4nGP4z8AARGDiPwNxHACeow/xfxmViwAAAABJRU5ErkJggg==", "base64"),
);
