import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import pkg from "../../package.json" with { type: "json" };
import { mlflowRest, signInAs, uploadArtifact } from "./a1-helpers";
import { hubQuery, stackEnv } from "./stack";

const ADMIN_URLS = ["/admin", "/admin/config", "/admin/projects", "/admin/audit", "/admin/gateway", "/admin/gc", "/admin/serving", "/admin/audit/export"];
const PROJECT = "ml-team/flood-detection";
const SHOTS = "e2e/artifacts/screenshots";

/** The numbers of one project's row on the Projects page, after a fresh computation. */
async function projectRow(page: Page, projectId: number) {
  await page.goto("/admin/projects");
  const summary = page.getByTestId("projects-summary");
  const computedAt = await summary.getAttribute("data-computed-at");
  await page.getByRole("button", { name: "Recompute now" }).click();
  await expect(summary).not.toHaveAttribute("data-computed-at", computedAt!);
  const row = page.locator(`tr[data-project-id='${projectId}']`);
  await expect(row).toBeVisible();
  // The storage cell's title holds the exact byte count behind the rounded size.
  const storage = await row.locator("td[data-column='storageBytes'] span").getAttribute("title");
  const count = async (column: string) => Number((await row.locator(`td[data-column='${column}']`).innerText()).replace(/,/g, ""));
  return { experiments: await count("experiments"), runs: await count("runs"), models: await count("models"), bytes: Number(/^([\d,]+) bytes/.exec(storage ?? "")![1].replace(/,/g, "")), row };
}

async function mlflowQuery<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const url = process.env.MLFLOW_DATABASE_URL;
  if (!url) throw new Error("MLFLOW_DATABASE_URL is not set: run through scripts/test (the stack's env file has it)");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

test("an instance admin sees every admin page with the stack's real numbers", async ({ page }) => {
  test.setTimeout(240_000);
  const id = Date.now().toString(36);
  await signInAs(page, "root");
  // The header offers the way in on ordinary pages, to admins only.
  await page.goto("/");
  await page.getByTestId("admin-link").click();
  await expect(page).toHaveURL(/\/admin$/);
  // The project's workspace exists from its first gateway request: on a fresh stack, make that one a read.
  expect((await mlflowRest(PROJECT, "experiments/search?max_results=1", "glpat-bob-demo")).status).toBe(200);
  const before = await projectRow(page, 101);

  // Seed through the gateway as bob (Developer): an experiment, a run with an artifact, a registered model.
  const artifact = Buffer.alloc(12_345, id);
  const exp = await mlflowRest<{ experiment_id: string }>(PROJECT, "experiments/create", "glpat-bob-demo", { name: `admin-${id} (101)` });
  expect(exp.status).toBe(200);
  const run = await mlflowRest<{ run: { info: { run_id: string; artifact_uri: string } } }>(PROJECT, "runs/create", "glpat-bob-demo", { experiment_id: exp.body.experiment_id, run_name: `admin-${id}` });
  expect(run.status).toBe(200);
  await uploadArtifact(PROJECT, "glpat-bob-demo", run.body.run.info.artifact_uri, "weights.bin", artifact);
  expect((await mlflowRest(PROJECT, "registered-models/create", "glpat-bob-demo", { name: `admin-model-${id}` })).status).toBe(200);
  // A denial to find in the audit log: carol is a Reporter in ml-team.
  const deniedAt = new Date(Date.now() - 60_000);
  expect((await mlflowRest(PROJECT, "experiments/create", "glpat-carol-demo", { name: `denied-${id} (101)` })).status).toBe(403);

  // Health: every dependency answers, with the versions they report; the hub's own facts.
  await page.goto("/admin");
  for (const name of ["hub database", "MLflow", "MinIO", "GitLab"]) await expect(page.locator(`tr[data-dependency='${name}']`)).toHaveAttribute("data-ok", "true");
  const pinned = /^mlflow==(\S+)$/m.exec(fs.readFileSync("infra/mlflow/requirements.txt", "utf8"))![1];
  await expect(page.locator("tr[data-dependency='MLflow'] [data-testid='dependency-version']")).toHaveText(`${pinned}pinned`);
  await expect(page.locator("tr[data-dependency='GitLab'] [data-testid='dependency-version']")).toHaveText(/^\d+\.\d+/);
  await expect(page.locator("tr[data-dependency='hub database'] [data-testid='dependency-version']")).toHaveText(/^\d+\.\d+/);
  await expect(page.getByTestId("hub-version")).toHaveText(pkg.version);
  await expect(page.getByTestId("mlflow-pin")).toHaveText(pinned);
  await expect(page.getByTestId("admin-via")).toHaveText("GitLab admin");
  await page.screenshot({ path: `${SHOTS}/admin-health.png`, fullPage: true });

  // Configuration: where each setting comes from, and no secret in the page.
  await page.goto("/admin/config");
  await expect(page.locator("tr[data-setting='S3_BUCKET']")).toContainText(process.env.S3_BUCKET!);
  await expect(page.locator("tr[data-setting='S3_BUCKET']")).toHaveAttribute("data-source", "environment");
  await expect(page.locator("tr[data-setting='AUTH_SECRET']")).toContainText("••••••••");
  await expect(page.locator("tr[data-setting='PROJECT_CACHE_TIMEOUT']")).toHaveAttribute("data-source", process.env.PROJECT_CACHE_TIMEOUT ? "environment" : "default");
  const html = await page.content();
  const dbPassword = decodeURIComponent(new URL(stackEnv("DATABASE_URL")).password);
  for (const secret of [process.env.AUTH_SECRET, process.env.GITLAB_CLIENT_SECRET, process.env.S3_SECRET_KEY, process.env.GITLAB_SERVICE_TOKEN, dbPassword]) {
    expect(secret, "the stack's env file gives the secret").toBeTruthy();
    expect(html).not.toContain(secret);
  }
  await page.screenshot({ path: `${SHOTS}/admin-config.png`, fullPage: true });

  // Projects: the seeded experiment, run, model and artifact bytes show up exactly.
  const after = await projectRow(page, 101);
  await expect(after.row.getByRole("link", { name: PROJECT })).toBeVisible();
  expect({ experiments: after.experiments - before.experiments, runs: after.runs - before.runs, models: after.models - before.models, bytes: after.bytes - before.bytes }).toEqual({
    experiments: 1,
    runs: 1,
    models: 1,
    bytes: artifact.length,
  });
  await page.getByRole("button", { name: "Runs" }).click();
  await expect(page.locator("th[aria-sort='descending']")).toContainText("Runs");
  await page.screenshot({ path: `${SHOTS}/admin-projects.png`, fullPage: true });

  // Audit log: the denial, filtered by project and outcome, and in the CSV export with the same filters.
  // The gateway writes audit rows in batches, off the request path.
  const denialRow = () => hubQuery<{ id: string }>("select id from audit_events where project_id = 101 and outcome = 'denied' and status = 403 and time >= $1 order by time desc limit 1", [deniedAt]);
  await expect.poll(async () => (await denialRow()).length, { message: "the gateway wrote the denial's audit row" }).toBe(1);
  const [denial] = await denialRow();
  await page.goto("/admin/audit");
  await page.getByLabel("Project").fill(`${PROJECT.split("/")[0]}/`);
  await page.getByLabel("Outcome").selectOption("denied");
  await page.getByLabel("From (UTC)").fill(deniedAt.toISOString().slice(0, 16));
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/outcome=denied/);
  const row = page.locator(`tr[data-audit-id='${denial.id}']`);
  await expect(row).toContainText("POST /api/2.0/mlflow/experiments/create");
  await expect(row).toContainText("403");
  await expect(page.locator("table[aria-label='Audit events'] tbody tr[data-outcome='allowed']")).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/admin-audit.png`, fullPage: true });
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^mlflow-hub-audit-.*\.csv$/);
  const csv = fs.readFileSync(await download.path(), "utf8");
  const lines = csv.trimEnd().split("\r\n");
  expect(lines[0]).toBe("id,time,username,userId,projectId,projectPath,method,route,action,outcome,status,detail,token,userEmail");
  expect(lines.find((l) => l.startsWith(`${denial.id},`))).toMatch(/,101,ml-team\/flood-detection,POST,\/api\/2\.0\/mlflow\/experiments\/create,write,denied,403,/);
  expect(lines.slice(1).every((l) => l.includes(",denied,"))).toBe(true);
  const exported = await page.request.get(`/admin/audit/export?outcome=denied&project=101`);
  expect(exported.headers()["content-disposition"]).toMatch(/^attachment; filename="mlflow-hub-audit-/);
  expect(exported.headers()["content-type"]).toBe("text/csv; charset=utf-8");

  // Gateway: the counters /metrics exposes.
  const metrics = await (await page.request.get("/metrics", { headers: { authorization: `Bearer ${stackEnv("METRICS_TOKEN")}` } })).text();
  const total = (outcome?: string) =>
    metrics
      .split("\n")
      .filter((l) => l.startsWith("mlflow_hub_gateway_request_duration_seconds_count{") && (!outcome || l.includes(`outcome="${outcome}"`)))
      .reduce((a, l) => a + Number(l.split(" ").at(-1)), 0);
  await page.goto("/admin/gateway");
  const shown = async (testId: string) => Number((await page.getByTestId(testId).locator(".stat-total").innerText()).replace(/,/g, ""));
  expect(await shown("stat-requests")).toBe(total());
  expect(await shown("stat-denied")).toBe(total("denied"));
  expect(await shown("stat-denied")).toBeGreaterThan(0);
  await expect(page.locator("table[aria-label='Requests by route action'] tr[data-action='write']")).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/admin-gateway.png`, fullPage: true });

  // The same pages at a phone's width.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [url, name] of [["/admin", "health"], ["/admin/projects", "projects"], ["/admin/audit", "audit"]] as const) {
    await page.goto(url);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await page.screenshot({ path: `${SHOTS}/admin-${name}-390.png`, fullPage: true });
  }
});

test("an admin's Run now asks the garbage collector for a run, and the page follows it to the end", async ({ page }) => {
  test.setTimeout(180_000);
  const id = Date.now().toString(36);
  // Something awaiting purge: a run bob deletes (too recent for the default 30 days, so it stays).
  const exp = await mlflowRest<{ experiment_id: string }>(PROJECT, "experiments/create", "glpat-bob-demo", { name: `gc-${id} (101)` });
  const run = await mlflowRest<{ run: { info: { run_id: string } } }>(PROJECT, "runs/create", "glpat-bob-demo", { experiment_id: exp.body.experiment_id });
  expect((await mlflowRest(PROJECT, "runs/delete", "glpat-bob-demo", { run_id: run.body.run.info.run_id })).status).toBe(200);
  const [{ n: deleted }] = await mlflowQuery<{ n: string }>(
    "select count(*) as n from runs r join experiments e on e.experiment_id = r.experiment_id where e.workspace = 'gitlab-101' and (r.lifecycle_stage = 'deleted' or e.lifecycle_stage = 'deleted')",
  );

  await signInAs(page, "root");
  await page.goto("/admin/gc");
  const pending = page.locator("table[aria-label='Awaiting purge'] tr[data-workspace='gitlab-101']");
  await expect(pending.getByRole("link", { name: PROJECT })).toBeVisible();
  await expect(pending.locator("td[data-column='deletedRuns']")).toHaveText(Number(deleted).toLocaleString("en"));

  const newest = async () => (await hubQuery<{ id: string }>("select id from gc_runs order by requested_at desc limit 1"))[0]?.id;
  const previous = await newest();
  await page.getByRole("button", { name: "Run now" }).click();
  await expect.poll(newest).not.toBe(previous);
  const requested = (await newest())!;
  const row = page.locator(`tr[data-gc-run='${requested}']`);
  await expect(row).toHaveAttribute("data-status", /requested|running|succeeded/);
  await expect(row.getByText("manual")).toBeVisible();
  // The worker claims requests within ~10 s; the page refreshes itself while the run is open.
  await expect(row).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
  await expect(page.getByTestId("gc-last-run")).toContainText("(manual)");
  await expect(page.getByRole("button", { name: "Run now" })).toBeEnabled();
  // Deleted this minute: kept by the 30-day threshold.
  await expect(pending.locator("td[data-column='deletedRuns']")).toHaveText(Number(deleted).toLocaleString("en"));
  await page.screenshot({ path: `${SHOTS}/admin-gc.png`, fullPage: true });
});

test("a non-admin and a signed-out browser get the not-found page on every admin URL", async ({ page, browser }) => {
  test.setTimeout(180_000);
  const anonymous = await browser.newPage();
  for (const url of ADMIN_URLS) {
    // The CSV route answers a plain-text 404 (a route handler cannot render the not-found page).
    const res = url.endsWith("/export") ? await anonymous.request.get(url) : await anonymous.goto(url);
    expect(res?.status(), `signed out: ${url}`).toBe(404);
  }
  await anonymous.goto("/admin/config");
  await expect(anonymous.getByTestId("not-found")).toBeVisible();
  await anonymous.close();

  await signInAs(page, "bob");
  await page.goto("/");
  await expect(page.getByTestId("header-user")).toBeVisible();
  await expect(page.getByTestId("admin-link")).toHaveCount(0);
  for (const url of ADMIN_URLS) {
    if (url.endsWith("/export")) {
      const res = await page.request.get(`${url}?outcome=denied`);
      expect(res.status(), `bob: ${url}`).toBe(404);
      expect(await res.text()).not.toContain(",");
      continue;
    }
    const res = await page.goto(url);
    expect(res?.status(), `bob: ${url}`).toBe(404);
    await expect(page.getByTestId("not-found")).toBeVisible();
  }
  expect(await page.locator("body").innerText()).not.toMatch(/forbidden|administrator/i);
  await page.screenshot({ path: `${SHOTS}/admin-not-found-bob.png`, fullPage: true });
});

test("a user HUB_ADMINS lists is an admin too, without being a GitLab admin", async ({ page }) => {
  test.setTimeout(120_000);
  expect(process.env.HUB_ADMINS?.split(","), "the local stack lists maya in HUB_ADMINS (infra/local/stack.ts)").toContain("maya");
  const gitlabUser = await (await fetch(`${stackEnv("GITLAB_URL")}/api/v4/user`, { headers: { authorization: "Bearer glpat-maya-demo" } })).json();
  expect(gitlabUser).toMatchObject({ username: "maya" });
  expect(gitlabUser.is_admin).toBeUndefined();
  await signInAs(page, "maya");
  const res = await page.goto("/admin/gateway");
  expect(res?.status()).toBe(200);
  await expect(page.getByTestId("admin-via")).toHaveText("hub admin");
  await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link")).toHaveCount(7);
  // Per-minute rates appear once the hub holds two samples at least 10 s apart (sampled every 15 s).
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("stat-requests")).toContainText(/\d(\.\d)?\/min/, { timeout: 1_000 });
  }).toPass({ timeout: 45_000, intervals: [5_000] });
});
