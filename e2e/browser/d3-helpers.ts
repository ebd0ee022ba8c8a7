import { expect, type Page } from "@playwright/test";
import { DEMO_PASSWORD, stackEnv } from "./stack";

export const FLOOD = { id: 101, path: "ml-team/flood-detection" } as const;

export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Signs a demo user in through the GitLab stand-in, then opens `returnTo` on the hub. */
export async function signIn(page: Page, username: string, returnTo = "/") {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  await page.getByRole("button", { name: "Sign in with GitLab" }).click();
  await page.getByLabel("Username or primary email").fill(username);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  const hub = new URL(stackEnv("AUTH_URL"));
  await page.waitForURL((url) => url.origin === hub.origin && !url.pathname.startsWith("/signin"));
}

/** MLflow's REST API through the hub's gateway with a GitLab token, as the SDK calls it. */
export function gatewayApi(project: string | number, token: string) {
  const base = `${stackEnv("AUTH_URL")}/mlflow/${project}/tracking`;
  const headers = { authorization: `Bearer ${token}` };
  async function call<T>(method: string, route: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${base}/api/2.0/mlflow/${route}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : {}) as T };
  }
  async function ok<T>(method: string, route: string, body?: unknown): Promise<T> {
    const r = await call<T>(method, route, body);
    expect(r.status, `${method} ${route}: ${JSON.stringify(r.json)}`).toBe(200);
    return r.json;
  }
  return {
    call,
    get: <T = Record<string, unknown>>(route: string) => ok<T>("GET", route),
    post: <T = Record<string, unknown>>(route: string, body: unknown) => ok<T>("POST", route, body),
    async putArtifact(artifactUri: string, path: string, body: string) {
      const root = artifactUri.replace(/^mlflow-artifacts:\/?/, "").replace(/^\/+/, "");
      const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, { method: "PUT", headers, body });
      expect(res.status, `PUT artifact ${path}`).toBe(200);
    },
  };
}

export interface SeededModel {
  name: string;
  runId: string;
  versions: string[];
}

/**
 * A registered model with `versions` versions from one run (its tiny MLmodel
 * artifact is the source, as runs:/<run>/model), created by bob through the gateway.
 */
export async function seedModel(prefix: string, versions = 2, token = "glpat-bob-demo"): Promise<SeededModel> {
  const api = gatewayApi(FLOOD.id, token);
  const suffix = unique();
  const { experiment_id } = await api.post<{ experiment_id: string }>("experiments/create", { name: `${prefix}-${suffix} (${FLOOD.id})` });
  const { run } = await api.post<{ run: { info: { run_id: string; artifact_uri: string } } }>("runs/create", { experiment_id, run_name: `train-${suffix}`, start_time: Date.now() });
  await api.putArtifact(run.info.artifact_uri, "model/MLmodel", "artifact_path: model\nflavors: {}\n");
  await api.post("runs/update", { run_id: run.info.run_id, status: "FINISHED", end_time: Date.now() });
  const name = `${prefix}-${suffix}`;
  await api.post("registered-models/create", { name, description: "Seeded by the browser tests", tags: [{ key: "team", value: "flood" }] });
  const created: string[] = [];
  for (let i = 0; i < versions; i++) {
    const { model_version } = await api.post<{ model_version: { version: string } }>("model-versions/create", { name, source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id });
    created.push(model_version.version);
  }
  return { name, runId: run.info.run_id, versions: created };
}

export const widths = [
  { name: "1280", width: 1280, height: 900 },
  { name: "390", width: 390, height: 844 },
] as const;

/** Full-page screenshots of the current page at laptop and phone widths (e2e/artifacts, git-ignored). */
export async function screenshots(page: Page, name: string) {
  const before = page.viewportSize();
  for (const w of widths) {
    await page.setViewportSize({ width: w.width, height: w.height });
    await page.screenshot({ path: `e2e/artifacts/screenshots/${name}-${w.name}.png`, fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}
