import { expect, type Page } from "@playwright/test";
import { DEMO_PASSWORD, stackEnv } from "./stack";

/** Signs a demo user in through the GitLab stand-in, from the hub's /signin page. */
export async function signInAs(page: Page, username: string) {
  await page.goto("/signin");
  await page.getByRole("button", { name: "Sign in with GitLab" }).click();
  await page.waitForURL((url) => url.origin === new URL(stackEnv("GITLAB_URL")).origin);
  await page.getByLabel("Username or primary email").fill(username);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.origin === new URL(stackEnv("AUTH_URL")).origin);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** An MLflow REST call through the gateway with a demo user's personal access token. */
export async function mlflowRest<T>(project: string, path: string, token: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stackEnv("AUTH_URL")}/mlflow/${project}/tracking/api/2.0/mlflow/${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as T };
}

/** Uploads an artifact through the gateway's artifact proxy, as the MLflow client does. */
export async function uploadArtifact(project: string, token: string, artifactUri: string, file: string, bytes: Uint8Array | string) {
  // artifactUri is mlflow-artifacts:/<path>; the proxy serves <path> under mlflow-artifacts/artifacts/.
  const rel = artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?\//, "");
  const res = await fetch(`${stackEnv("AUTH_URL")}/mlflow/${project}/tracking/api/2.0/mlflow-artifacts/artifacts/${rel}/${file}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: typeof bytes === "string" ? bytes : Buffer.from(bytes),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}
