import { expect, test } from "@playwright/test";
import { injectedMarkupRuns, watchCsp } from "./csp";
import { TINY_PNG, mlflowRest, signInAs } from "./d2-helpers";
import { DEMO_PASSWORD, stackEnv } from "./stack";

// The hub's pages and the stock MLflow UI under their Content-Security-Policies: every page works
// with no violation reported, and markup an attacker managed to plant in one cannot run script
// (issue 11: the UI shares the hub's origin and session cookie, so an XSS there acts in every project).

const PROJECT = "ml-team/flood-detection";
const suffix = Date.now().toString(36);
let experimentId: string;
let runId: string;
let otherRunId: string;

test.beforeAll(async () => {
  const m = mlflowRest(stackEnv("AUTH_URL"), PROJECT, "glpat-bob-demo");
  experimentId = await m.createExperiment(`csp-${suffix} (101)`);
  const t0 = Date.now() - 3600_000;
  const runs = [];
  for (const [i, name] of ["csp-run-a", "csp-run-b"].entries()) {
    const run = await m.createRun(experimentId, name, t0 + i * 60_000, [], "bob");
    await m.logBatch(run.run_id, {
      params: [{ key: "alpha", value: String(i) }],
      metrics: [0.9, 0.7, 0.5].map((value, step) => ({ key: "loss", value: value + i, step, timestamp: t0 + step * 1000 })),
    });
    await m.endRun(run.run_id, t0 + 300_000);
    runs.push(run);
  }
  await m.uploadArtifact(runs[0].artifact_uri, "notes.txt", `csp notes ${suffix}\n`, "text/plain");
  await m.uploadArtifact(runs[0].artifact_uri, "plots/loss.png", TINY_PNG, "image/png");
  await m.uploadArtifact(runs[0].artifact_uri, "report.html", `<h1 id="report">csp report ${suffix}</h1><script>document.body.append("artifact script ran")</script>`, "text/html");
  runId = runs[0].run_id;
  otherRunId = runs[1].run_id;
});

test("the hub's pages, signed out and in, Owner's and admin's, report no CSP violation, and planted markup runs no script", async ({ page }) => {
  test.setTimeout(180_000);
  const violations = await watchCsp(page);
  const hub = stackEnv("AUTH_URL");

  const signin = await page.goto("/signin");
  expect(signin?.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  await signInAs(page, hub, "maya", DEMO_PASSWORD);
  const pages = [
    "/",
    "/status",
    `/projects/${PROJECT}`,
    `/projects/${PROJECT}/experiments`,
    `/projects/${PROJECT}/experiments/${experimentId}`,
    `/projects/${PROJECT}/runs/${runId}`,
    `/projects/${PROJECT}/compare?runs=${runId},${otherRunId}`,
    `/projects/${PROJECT}/models`,
    `/projects/${PROJECT}/permissions`,
    `/projects/${PROJECT}/snippet`,
    "/admin",
    "/admin/config",
    "/admin/audit",
    "/admin/gateway",
    "/admin/gc",
    "/admin/projects",
    `/no-such-page-${suffix}`,
  ];
  for (const path of pages) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  await page.goto(`/projects/${PROJECT}/runs/${runId}`);
  await expect(page.locator("figure[data-metric='loss'] .recharts-line-dot")).toHaveCount(3);
  await page.getByRole("button", { name: /^notes\.txt/ }).click();
  await expect(page.getByTestId("artifact-text")).toHaveText(`csp notes ${suffix}`);
  await page.getByRole("button", { name: "plots/" }).click();
  await page.getByRole("button", { name: /^loss\.png/ }).click();
  await expect.poll(() => page.getByTestId("artifact-image").evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(4);
  expect(violations).toEqual([]);

  expect(await injectedMarkupRuns(page)).toBe(false);
  expect(violations.join("\n")).toContain("script-src");
});

test("the stock MLflow UI's experiments, run page and artifact previews report no CSP violation, and planted markup runs no script", async ({ page }) => {
  test.setTimeout(180_000);
  const violations = await watchCsp(page);
  await signInAs(page, stackEnv("AUTH_URL"), "bob", DEMO_PASSWORD);
  const ui = `/mlflow/${PROJECT}/tracking/`;

  const index = await page.goto(ui);
  expect(index?.headers()["content-security-policy"]).toContain("script-src 'self';");
  expect(index?.headers()["x-content-type-options"]).toBe("nosniff");
  await expect(page.getByText(`csp-${suffix} (101)`).first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole("button", { name: "Model training" }).click();
  await page.getByRole("link", { name: `csp-${suffix} (101)` }).click();
  await expect(page.getByText("csp-run-a").first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole("link", { name: "csp-run-a" }).first().click();
  await expect(page.getByText("alpha").first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole("tab", { name: "Artifacts" }).click();
  await page.getByText("notes.txt").first().click();
  await expect(page.getByText(`csp notes ${suffix}`).first()).toBeVisible({ timeout: 30_000 });
  await page.getByText("plots").first().click();
  await page.getByText("loss.png").first().click();
  await expect.poll(() => page.getByRole("img", { name: "plots/loss.png" }).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 30_000 }).toBe(4);
  expect(violations).toEqual([]);

  // The HTML preview shows the artifact, but its own script stays blocked: the preview's frame inherits the UI's policy.
  await page.getByText("report.html").first().click();
  await expect(page.frameLocator("iframe.mlflow-html-iframe").getByText(`csp report ${suffix}`)).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => violations.filter((v) => v.startsWith("blob:")).length).toBeGreaterThan(0);
  expect(violations.filter((v) => !v.startsWith("console:"))).toEqual([expect.stringMatching(/^blob:http:\/\/[^ ]+: script-src-elem blocked inline/)]);
  await expect(page.frameLocator("iframe.mlflow-html-iframe").getByText("artifact script ran")).toHaveCount(0);
  violations.length = 0;

  expect(await injectedMarkupRuns(page)).toBe(false);
  expect(violations.join("\n")).toContain("script-src");
});
