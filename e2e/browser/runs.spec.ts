import { expect, test, type Page } from "@playwright/test";
import { TINY_PNG, mlflowRest, signInAs } from "./d2-helpers";
import { DEMO_PASSWORD, stackEnv } from "./stack";

// Experiments → runs table → run detail → compare, on data seeded through the gateway
// with bob's token into ml-team/flood-detection (project 101), as the MLflow SDK would.

const PROJECT = "ml-team/flood-detection";
const suffix = Date.now().toString(36);
const experimentName = `runs-e2e-${suffix} (101)`;
const notes = `flood notes ${suffix}\nsecond line\n`;
const RMSE = { low: [1.0, 0.8, 0.6, 0.5, 0.4], mid: [1.2, 0.9], high: [2.0, 1.8, 1.5] };

interface Seeded {
  experimentId: string;
  low: string;
  mid: string;
  high: string;
  child: string;
}
let seeded: Seeded;

const projectUrl = (...parts: string[]) => `/projects/${PROJECT}/${parts.join("/")}`;

test.beforeAll(async () => {
  const m = mlflowRest(stackEnv("AUTH_URL"), PROJECT, "glpat-bob-demo");
  const experimentId = await m.createExperiment(experimentName);
  const t0 = Date.now() - 2 * 3600_000;
  // Started low, high, mid, child: the default order (newest first) differs from any rmse order.
  const make = async (name: string, start: number, alpha: string, rmse: number[], accuracy: number) => {
    const run = await m.createRun(experimentId, name, start, [{ key: "team", value: "flood" }], "bob");
    await m.logBatch(run.run_id, {
      params: [
        { key: "alpha", value: alpha },
        { key: "model", value: "unet" },
      ],
      metrics: [...rmse.map((value, step) => ({ key: "rmse", value, step, timestamp: start + step * 60_000 })), { key: "accuracy", value: accuracy, step: 0, timestamp: start }],
    });
    await m.endRun(run.run_id, start + 5 * 60_000);
    return run;
  };
  const low = await make("alpha-low", t0, "0.1", RMSE.low, 0.9);
  const high = await make("alpha-high", t0 + 60_000, "0.9", RMSE.high, 0.7);
  const mid = await make("alpha-mid", t0 + 120_000, "0.5", RMSE.mid, 0.8);
  await m.uploadArtifact(low.artifact_uri, "notes.txt", notes, "text/plain");
  await m.uploadArtifact(low.artifact_uri, "plots/loss.png", TINY_PNG, "image/png");
  await m.logInputs(low.run_id, [{ tags: [{ key: "mlflow.data.context", value: "training" }], dataset: { name: `flood-tiles-${suffix}`, digest: "d1g3st", source_type: "local", source: '{"uri": "/data/tiles"}' } }]);
  const child = await m.createRun(experimentId, "alpha-low-fold-1", t0 + 180_000, [{ key: "mlflow.parentRunId", value: low.run_id }], "bob");
  await m.endRun(child.run_id, t0 + 200_000);
  seeded = { experimentId, low: low.run_id, mid: mid.run_id, high: high.run_id, child: child.run_id };
});

/** Each page at a laptop and a phone width; at the phone width nothing may push the page sideways. */
async function shoot(page: Page, name: string) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `e2e/artifacts/screenshots/${name}-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: `e2e/artifacts/screenshots/${name}-390.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

const runNames = (page: Page) => page.locator("table[aria-label='Runs'] tbody td[data-column='run_name']").allInnerTexts();

test("the runs table sorts by a metric through MLflow, narrows with a filter, shows MLflow's error for a bad one, and keeps it all in the link", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, stackEnv("AUTH_URL"), "bob", DEMO_PASSWORD);
  await page.goto(projectUrl("experiments"));
  await page.getByRole("searchbox", { name: "Search experiments by name" }).fill(`runs-e2e-${suffix}`);
  const experiments = page.getByRole("table", { name: "Experiments" });
  await expect(experiments.locator("tbody tr")).toHaveCount(1);
  await shoot(page, "experiments");
  await experiments.getByRole("link", { name: experimentName }).click();

  await expect(page).toHaveURL(new RegExp(`/experiments/${seeded.experimentId}$`));
  await expect(page.getByRole("heading", { name: experimentName })).toBeVisible();
  await expect.poll(() => runNames(page)).toEqual(["alpha-low-fold-1", "alpha-mid", "alpha-high", "alpha-low"]);

  await page.getByText("Columns", { exact: true }).click();
  await page.getByRole("group", { name: "Param and metric columns" }).getByRole("checkbox", { name: "rmse" }).check();
  await page.getByText("Columns (1)").click();
  const lowRow = page.locator(`tr[data-run-id='${seeded.low}']`);
  await expect(lowRow.locator("td[data-column='m.rmse']")).toHaveText("0.4");
  await expect(page.locator(`tr[data-run-id='${seeded.high}'] td[data-column='m.rmse']`)).toHaveText("1.5");

  const rmseHeader = page.locator("th[data-column='m.rmse']").getByRole("button", { name: "rmse", exact: true });
  await rmseHeader.click();
  await expect.poll(() => runNames(page).then((n) => n.slice(0, 3))).toEqual(["alpha-high", "alpha-mid", "alpha-low"]);
  await rmseHeader.click();
  await expect.poll(() => runNames(page).then((n) => n.slice(0, 3))).toEqual(["alpha-low", "alpha-mid", "alpha-high"]);
  await expect(page.locator("th[data-column='m.rmse']")).toHaveAttribute("aria-sort", "ascending");

  const filter = page.getByRole("textbox", { name: "Filter" });
  await filter.fill("metrics.rmse < 1 and params.model = 'unet'");
  await filter.press("Enter");
  await expect.poll(() => runNames(page)).toEqual(["alpha-low", "alpha-mid"]);
  await shoot(page, "runs-table");

  // Linkable: the same URL in a fresh load shows the same view. The table shows a change at once and
  // the URL follows when router.replace has finished, so wait for the URL before reloading it.
  await expect(page).toHaveURL((u) => u.searchParams.get("filter") === "metrics.rmse < 1 and params.model = 'unet'" && u.searchParams.get("cols") === "m.rmse");
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Filter" })).toHaveValue("metrics.rmse < 1 and params.model = 'unet'");
  await expect.poll(() => runNames(page)).toEqual(["alpha-low", "alpha-mid"]);
  await expect(page.locator(`tr[data-run-id='${seeded.low}'] td[data-column='m.rmse']`)).toHaveText("0.4");
  expect(new URL(page.url()).searchParams.get("cols")).toBe("m.rmse");

  const bad = "metrics.rmse <<< 1";
  const mlflowSays = await mlflowRest(stackEnv("AUTH_URL"), PROJECT, "glpat-bob-demo").searchRuns({ experiment_ids: [seeded.experimentId], filter: bad });
  expect(mlflowSays.status).toBe(400);
  expect(mlflowSays.body.error_code).toBe("INVALID_PARAMETER_VALUE");
  await page.getByRole("textbox", { name: "Filter" }).fill(bad);
  await page.getByRole("button", { name: "Apply" }).click();
  // MLflow's message prints a Python set, whose order differs between its worker processes: compare as sets.
  const sameMessage = (m: string) => m.replace(/\{([^}]*)\}/g, (_, items: string) => `{${items.split(", ").sort().join(", ")}}`);
  await expect.poll(async () => sameMessage((await page.getByTestId("filter-error").textContent()) ?? "")).toBe(sameMessage(mlflowSays.body.message!));
  expect(mlflowSays.body.message).toContain("Invalid comparator '<<<'");
  await expect(page.getByRole("textbox", { name: "Filter" })).toHaveAttribute("aria-invalid", "true");
  await shoot(page, "runs-table-filter-error");
});

test("a run's page shows its params, a chart point per logged step, tags, inputs, relatives, and previews and downloads its artifacts", async ({ page }) => {
  test.setTimeout(180_000);
  await signInAs(page, stackEnv("AUTH_URL"), "bob", DEMO_PASSWORD);
  await page.goto(projectUrl("experiments", seeded.experimentId));
  await page.getByRole("link", { name: "alpha-low", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${seeded.low}$`));
  await expect(page.getByRole("heading", { level: 1, name: "alpha-low" })).toBeVisible();
  await expect(page.getByRole("link", { name: experimentName })).toBeVisible();

  await expect(page.getByTestId("run-params").locator("tr", { hasText: "alpha" }).locator("td")).toHaveText("0.1");
  await expect(page.getByTestId("run-metrics").locator("tr", { hasText: "rmse" }).locator("td").first()).toHaveText("0.4");
  const rmseChart = page.locator("figure[data-metric='rmse']");
  await expect(rmseChart.locator(".recharts-line-dot")).toHaveCount(RMSE.low.length);
  await page.getByRole("button", { name: "Time", exact: true }).click();
  await expect(page.getByRole("button", { name: "Time", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(rmseChart.locator(".recharts-line-dot")).toHaveCount(RMSE.low.length);

  await expect(page.getByTestId("run-tags")).toContainText("team");
  await expect(page.getByTestId("run-tags")).not.toContainText("mlflow.runName");
  await page.getByLabel(/Show MLflow system tags/).check();
  await expect(page.getByTestId("run-tags")).toContainText("mlflow.runName");
  await expect(page.getByTestId("run-inputs")).toContainText(`flood-tiles-${suffix}`);
  await expect(page.getByTestId("run-inputs")).toContainText("training");

  await page.getByRole("button", { name: /^notes\.txt/ }).click();
  await expect(page.getByTestId("artifact-text")).toHaveText(notes.trimEnd());
  const textDownload = await page.getByTestId("artifact-download").getAttribute("href");
  const textBytes = await page.request.get(textDownload!);
  expect(textBytes.status()).toBe(200);
  expect(await textBytes.text()).toBe(notes);

  await page.getByRole("button", { name: "plots/" }).click();
  await page.getByRole("button", { name: /^loss\.png/ }).click();
  const image = page.getByTestId("artifact-image");
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(4);
  const pngDownload = await page.getByTestId("artifact-download").getAttribute("href");
  const pngBytes = await page.request.get(pngDownload!);
  expect(Buffer.from(await pngBytes.body()).equals(Buffer.from(TINY_PNG))).toBe(true);
  await shoot(page, "run-detail");

  await page.getByTestId("child-runs").getByRole("link", { name: "alpha-low-fold-1" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "alpha-low-fold-1" })).toBeVisible();
  await expect(page.getByTestId("parent-run")).toHaveAttribute("href", projectUrl("runs", seeded.low));

  await page.goto(projectUrl("runs", "0".repeat(32)));
  await expect(page.getByTestId("run-not-found")).toContainText("not found");
});

test("two runs selected in the table open side by side, with the differing param marked and both rmse curves on one chart", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAs(page, stackEnv("AUTH_URL"), "bob", DEMO_PASSWORD);
  await page.goto(projectUrl("experiments", seeded.experimentId));
  await page.getByRole("checkbox", { name: "Select run alpha-low", exact: true }).check();
  await page.getByRole("checkbox", { name: "Select run alpha-high", exact: true }).check();
  await page.getByRole("link", { name: "Compare 2 runs" }).click();

  await expect(page).toHaveURL(new RegExp(`/compare\\?runs=(${seeded.low},${seeded.high}|${seeded.high},${seeded.low})$`));
  const params = page.getByRole("table", { name: "Params compared" });
  await expect(params.locator("tr[data-key='alpha']")).toHaveAttribute("data-differs", "true");
  await expect(params.locator("tr[data-key='alpha'] td.differs")).toHaveCount(2);
  await expect(params.locator("tr[data-key='model']")).toHaveAttribute("data-differs", "false");
  const rmse = page.locator("figure[data-metric='rmse']");
  await expect(rmse.locator(".recharts-line-dot")).toHaveCount(RMSE.low.length + RMSE.high.length);
  await expect.poll(async () => (await rmse.locator(".recharts-legend-item-text").allInnerTexts()).sort()).toEqual(["alpha-high", "alpha-low"]);
  const latest = page.getByRole("table", { name: "Latest metrics compared" });
  const order = new URL(page.url()).searchParams.get("runs")!.split(",");
  const latestRmse: Record<string, string> = { [seeded.low]: "0.4", [seeded.high]: "1.5" };
  await expect(latest.locator("tr[data-key='rmse'] td")).toHaveText(order.map((id) => latestRmse[id]));
  await shoot(page, "compare");
});

test("the runs table pages through MLflow's page tokens, forward and back, and a larger page size shows more runs", async ({ page }) => {
  test.setTimeout(120_000);
  const m = mlflowRest(stackEnv("AUTH_URL"), PROJECT, "glpat-bob-demo");
  const experimentId = await m.createExperiment(`runs-pages-${suffix} (101)`);
  const t0 = Date.now() - 3600_000;
  for (let i = 0; i < 27; i++) await m.createRun(experimentId, `page-run-${String(i).padStart(2, "0")}`, t0 + i * 1000);

  await signInAs(page, stackEnv("AUTH_URL"), "bob", DEMO_PASSWORD);
  await page.goto(projectUrl("experiments", experimentId));
  const pager = page.getByRole("navigation", { name: "Run pages" });
  await expect.poll(() => runNames(page)).toHaveLength(25);
  expect((await runNames(page))[0]).toBe("page-run-26");
  await pager.getByRole("button", { name: "Next" }).click();
  await expect.poll(() => runNames(page)).toEqual(["page-run-01", "page-run-00"]);
  await expect(pager).toContainText("Page 2");
  await expect(pager.getByRole("button", { name: "Next" })).toBeDisabled();
  await pager.getByRole("button", { name: "Previous" }).click();
  await expect.poll(() => runNames(page).then((n) => [n.length, n[0]])).toEqual([25, "page-run-26"]);

  await page.getByRole("combobox", { name: "Rows per page" }).selectOption("50");
  await expect.poll(() => runNames(page)).toHaveLength(27);
  // The URL follows the table once router.replace has finished (a moment later on a loaded machine).
  await expect(page).toHaveURL((u) => u.searchParams.get("size") === "50");
  await expect(pager).toHaveCount(0);
});

test("a Reporter reads the experiments, the runs table, a run and a comparison", async ({ page }) => {
  test.setTimeout(120_000);
  await signInAs(page, stackEnv("AUTH_URL"), "carol", DEMO_PASSWORD);
  await page.goto(projectUrl("experiments"));
  await page.getByRole("searchbox", { name: "Search experiments by name" }).fill(`runs-e2e-${suffix}`);
  await page.getByRole("link", { name: experimentName }).click();
  await expect.poll(() => runNames(page)).toEqual(["alpha-low-fold-1", "alpha-mid", "alpha-high", "alpha-low"]);
  await page.goto(projectUrl("runs", seeded.low));
  await expect(page.getByRole("heading", { level: 1, name: "alpha-low" })).toBeVisible();
  await expect(page.locator("figure[data-metric='rmse'] .recharts-line-dot")).toHaveCount(RMSE.low.length);
  await page.getByRole("button", { name: /^notes\.txt/ }).click();
  await expect(page.getByTestId("artifact-text")).toHaveText(notes.trimEnd());
  await page.goto(`${projectUrl("compare")}?runs=${seeded.low},${seeded.mid}`);
  await expect(page.getByRole("table", { name: "Params compared" }).locator("tr[data-key='alpha']")).toHaveAttribute("data-differs", "true");
  await shoot(page, "compare-reporter");
});
