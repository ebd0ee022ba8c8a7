import { expect, test, type Page } from "@playwright/test";
import { mlflowApi, screenshotWidths, signInAs, uniqueSuffix } from "./d1-helpers";
import { stackEnv } from "./stack";

const rowOf = (page: Page, path: string) => page.locator(`li.project-row[data-project='${path}']`);
const listedPaths = async (page: Page) => (await page.locator("li.project-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-project")))).sort();
const settledCounts = (page: Page) => expect(page.locator("li.project-row [aria-busy='true']")).toHaveCount(0);

const NOTES = "ml-team/notes";
const BOB = "glpat-bob-demo";

/** An experiment with one finished run and a registered model in a project, as a developer logs them. */
async function seed(project: string, projectId: number, suffix: string) {
  const { experiment_id } = await mlflowApi<{ experiment_id: string }>(project, BOB, "experiments/create", { name: `seeded-${suffix} (${projectId})` });
  const start = Date.now();
  const { run } = await mlflowApi<{ run: { info: { run_id: string } } }>(project, BOB, "runs/create", { experiment_id, run_name: `run-${suffix}`, start_time: start });
  await mlflowApi(project, BOB, "runs/update", { run_id: run.info.run_id, status: "FINISHED", end_time: start + 4200 });
  await mlflowApi(project, BOB, "registered-models/create", { name: `model-${suffix}` });
  return { experimentName: `seeded-${suffix} (${projectId})`, runId: run.info.run_id, runName: `run-${suffix}`, modelName: `model-${suffix}` };
}

/** A count as MLflow reports it through the gateway: one page of at most 1,000, "+" beyond. */
async function expectedCounts(project: string) {
  const label = (n: number, more: unknown) => `${n.toLocaleString("en")}${more ? "+" : ""}`;
  const exps = await mlflowApi<{ experiments?: { experiment_id: string }[]; next_page_token?: string }>(project, BOB, "experiments/search", { max_results: 1000 });
  const ids = (exps.experiments ?? []).map((e) => e.experiment_id);
  const runs = await mlflowApi<{ runs?: unknown[]; next_page_token?: string }>(project, BOB, "runs/search", { experiment_ids: ids, max_results: 1000 });
  const models = await mlflowApi<{ registered_models?: unknown[]; next_page_token?: string }>(project, BOB, "registered-models/search?max_results=1000");
  return {
    experiments: label(ids.length, exps.next_page_token),
    runs: label(runs.runs?.length ?? 0, runs.next_page_token || exps.next_page_token),
    models: label(models.registered_models?.length ?? 0, models.next_page_token),
  };
}

test("the signed-out home page offers sign-in with GitLab", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("button", { name: "Sign in with GitLab" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Projects" })).toHaveCount(0);
  await screenshotWidths(page, "home-signed-out");
});

test("a developer sees the ml-team projects with their role, and not another user's private project", async ({ page }) => {
  await signInAs(page, "bob");
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
  const mine = ["ml-team/flood-detection", "ml-team/internal-baselines", "ml-team/notes", "ml-team/vision/segmentation"];
  await expect(page.locator("li.project-row")).toHaveCount(mine.length);
  expect(await listedPaths(page)).toEqual(mine);
  // Bob's membership of ml-team is inherited by ml-team/vision: the role must still show.
  for (const path of mine) await expect(rowOf(page, path).getByTestId("role-badge")).toHaveText("Developer");
  await expect(rowOf(page, "ml-team/flood-detection").getByTestId("visibility")).toHaveText("private");
  await settledCounts(page);
  await screenshotWidths(page, "projects-list");

  await page.getByLabel("Include public and internal projects I am not a member of").check();
  await expect(page).toHaveURL(/[?&]all=1/);
  await expect(rowOf(page, "open-science/public-models").getByTestId("role-badge")).toHaveText("via visibility");
  expect(await listedPaths(page)).toEqual([...mine, "open-science/public-models"].sort());
  await expect(rowOf(page, "alice/sandbox")).toHaveCount(0);
});

test("searching narrows the list, and the search lives in a linkable URL", async ({ page }) => {
  await signInAs(page, "bob");
  await page.getByLabel("Search projects").fill("flood");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/\?q=flood$/);
  await expect(page.locator("li.project-row")).toHaveCount(1);
  expect(await listedPaths(page)).toEqual(["ml-team/flood-detection"]);

  await page.goto("/?q=vision");
  expect(await listedPaths(page)).toEqual(["ml-team/vision/segmentation"]);
  await expect(page.getByLabel("Search projects")).toHaveValue("vision");

  await page.goto(`/?q=nothing-${uniqueSuffix()}`);
  await expect(page.locator("li.project-row")).toHaveCount(0);
  await expect(page.getByText(/No project matches/)).toBeVisible();
});

test("pages follow GitLab's pagination headers and live in the URL", async ({ page }) => {
  await signInAs(page, "bob");
  await page.goto("/?page=2");
  await expect(page.getByText("Nothing on page 2.")).toBeVisible();
  // GitLab's X-Prev-Page on page 2 of a one-page list points back to page 1.
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "← Previous" }).click();
  await expect(page).toHaveURL(`${stackEnv("AUTH_URL")}/`);
  await expect(page.locator("li.project-row")).toHaveCount(4);
});

test("an outsider sees no private ml-team project, and opening one is not found", async ({ page }) => {
  await signInAs(page, "oscar");
  await expect(page.getByText("You are not a member of any project")).toBeVisible();
  await expect(page.locator("li.project-row")).toHaveCount(0);
  await page.getByLabel("Include public and internal projects I am not a member of").check();
  await expect(page).toHaveURL(/[?&]all=1/);
  await expect(rowOf(page, "open-science/public-models")).toBeVisible();
  expect(await listedPaths(page)).toEqual(["ml-team/internal-baselines", "open-science/public-models"]);
  for (const path of ["ml-team/internal-baselines", "open-science/public-models"]) await expect(rowOf(page, path).getByTestId("role-badge")).toHaveText("via visibility");

  const res = await page.goto("/projects/ml-team/flood-detection");
  expect(res?.status()).toBe(404);
  await expect(page.getByTestId("not-found")).toBeVisible();
});

test("a GitLab administrator is not shown private projects the gateway would not open for them", async ({ page }) => {
  // GitLab lists every project to an administrator; without a role, a private one has no MLflow for them.
  await signInAs(page, "root");
  await page.goto("/?all=1");
  await expect(page.getByTestId("hidden-projects")).toContainText("4 projects");
  expect(await listedPaths(page)).toEqual(["ml-team/internal-baselines", "open-science/public-models"]);
});

test("a project's row counts its experiments, runs and registered models through the gateway", async ({ page }) => {
  await seed(NOTES, 105, uniqueSuffix());
  const expected = await expectedCounts(NOTES);
  expect(expected.runs).not.toBe("0");
  await signInAs(page, "bob");
  await page.goto("/?q=notes");
  const row = rowOf(page, NOTES);
  await expect(row.getByTestId("count-experiments").locator("dd")).toHaveText(expected.experiments);
  await expect(row.getByTestId("count-runs").locator("dd")).toHaveText(expected.runs);
  await expect(row.getByTestId("count-models").locator("dd")).toHaveText(expected.models);
});

test("the overview shows the newest runs, experiments and models, the tracking URI and the way to the MLflow UI", async ({ page }) => {
  const seeded = await seed(NOTES, 105, uniqueSuffix());
  await signInAs(page, "bob");
  await page.getByRole("link", { name: "Notes", exact: true }).click();
  await expect(page).toHaveURL(/\/projects\/ml-team\/notes$/);

  const trackingUri = `${stackEnv("AUTH_URL")}/mlflow/${NOTES}/tracking/`;
  await expect(page.getByTestId("tracking-uri")).toHaveText(trackingUri);
  await expect(page.getByRole("button", { name: "Copy tracking URI" })).toHaveAttribute("data-copy-text", trackingUri);
  await expect(page.getByRole("link", { name: "Open in MLflow UI" })).toHaveAttribute("href", `/mlflow/${NOTES}/tracking/`);
  await expect(page.getByRole("link", { name: "Open in GitLab" })).toHaveAttribute("href", `${stackEnv("GITLAB_URL")}/${NOTES}`);

  const runs = page.getByRole("table", { name: "Recent runs" }).locator("tbody tr");
  await expect(runs.first()).toHaveAttribute("data-run-id", seeded.runId);
  await expect(runs.first()).toContainText(seeded.experimentName);
  await expect(runs.first()).toContainText("4.2 s");
  expect(await runs.count()).toBeLessThanOrEqual(10);
  await expect(page.getByRole("region", { name: /Experiments/ }).getByRole("link", { name: seeded.experimentName })).toBeVisible();
  await expect(page.getByRole("region", { name: "Registered models" }).getByRole("link", { name: seeded.modelName })).toBeVisible();
  await screenshotWidths(page, "overview");

  await runs.first().getByRole("link", { name: seeded.runName }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${NOTES}/runs/${seeded.runId}$`));
});

test("a project with nothing logged points to the snippet page", async ({ page }) => {
  // Nothing in the suites writes to alice/sandbox: it stays empty.
  await signInAs(page, "alice");
  await page.goto("/projects/alice/sandbox");
  await expect(page.getByTestId("empty-project")).toContainText("Nothing logged yet");
  await screenshotWidths(page, "overview-empty");
  await page.getByTestId("empty-project").getByRole("link", { name: "Get started" }).click();
  await expect(page).toHaveURL(/\/projects\/alice\/sandbox\/snippet$/);
  await expect(page.getByRole("heading", { name: "Log your first run" })).toBeVisible();
});
