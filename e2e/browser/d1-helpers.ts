import { execFileSync } from "node:child_process";
import { expect, type Page } from "@playwright/test";
import { DEMO_PASSWORD, stackEnv } from "./stack";

/** Signs a demo user in through the GitLab stand-in and lands on the projects page. */
export async function signInAs(page: Page, username: string) {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in with GitLab" }).click();
  await page.getByLabel("Username or primary email").fill(username);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${stackEnv("AUTH_URL")}/`);
}

/** Calls a project's MLflow REST API through the hub, as the SDK would, with a demo token. */
export async function mlflowApi<T = Record<string, unknown>>(project: string, token: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${stackEnv("AUTH_URL")}/mlflow/${project}/tracking/api/2.0/mlflow/${route}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, `${route}: ${text}`).toBe(200);
  return JSON.parse(text) as T;
}

export const uniqueSuffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** The virtualenv with the MLflow client users run: SDK_VENV, or where the launcher keeps it. */
export function sdkVenv(): string {
  if (process.env.SDK_VENV) return process.env.SDK_VENV;
  const printed = execFileSync("npx", ["tsx", "infra/local/cli.ts", "tools", "--print"], { encoding: "utf8" });
  const line = printed.split("\n").find((l) => l.startsWith("SDK_VENV="));
  if (!line) throw new Error("`tools --print` did not name SDK_VENV");
  return line.slice("SDK_VENV=".length).trim();
}

export const widths = [
  { name: "1280", width: 1280, height: 900 },
  { name: "390", width: 390, height: 844 },
] as const;

/** Full-page screenshots of the current page at laptop and phone widths. */
export async function screenshotWidths(page: Page, name: string) {
  const before = page.viewportSize();
  for (const w of widths) {
    await page.setViewportSize({ width: w.width, height: w.height });
    await page.screenshot({ path: `e2e/artifacts/screenshots/${name}-${w.name}.png`, fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}
