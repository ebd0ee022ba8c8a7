import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Page } from "@playwright/test";
import { mlflowApi, screenshotWidths, sdkVenv, signInAs, uniqueSuffix } from "./d1-helpers";
import { stackEnv } from "./stack";

const PROJECT = "ml-team/flood-detection";
const SNIPPET_URL = `/projects/${PROJECT}/snippet`;

/** What the hub's MLflow server says it runs: the snippet pins the client to it. */
const serverVersion = async () => (await (await fetch(`${stackEnv("AUTH_URL")}/mlflow/${PROJECT}/tracking/version`)).text()).trim();

/** A block exactly as the page shows it, checked to be the very text its copy button copies. */
async function blockText(page: Page, copyLabel: string): Promise<string> {
  const button = page.getByRole("button", { name: copyLabel, exact: true });
  const block = page.locator(".snippet-block").filter({ has: button });
  const copied = await button.getAttribute("data-copy-text");
  const shown = await block.locator("pre").textContent();
  expect(shown).toBe(copied);
  return copied!;
}

/**
 * Runs the page's shell blocks and its script as a user would in a fresh shell: the
 * virtualenv on PATH, nothing of MLflow in the environment, the token typed at the prompt.
 */
async function runLikeAUser(shell: string[], script: string, token: string) {
  const dir = await mkdtemp(path.join(tmpdir(), "snippet-"));
  try {
    await writeFile(path.join(dir, "setup.sh"), `${shell.join("")}python train.py\n`);
    await writeFile(path.join(dir, "train.py"), script);
    const child = promisify(execFile)("bash", ["-e", "setup.sh"], {
      cwd: dir,
      timeout: 240_000,
      // Deliberately not process.env: nothing of the test runner's (or MLflow's) settings leaks in.
      env: {
        PATH: `${path.join(sdkVenv(), "bin")}:/usr/bin:/bin`,
        HOME: dir,
        // pip must find the client already installed, not fetch it.
        PIP_NO_INDEX: "1",
        PIP_DISABLE_PIP_VERSION_CHECK: "1",
      } as Record<string, string> as NodeJS.ProcessEnv,
    });
    child.child.stdin!.end(`${token}\n`);
    return (await child).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("the snippet read off the page runs verbatim with the MLflow client, and the page then links the new run", async ({ page }) => {
  test.setTimeout(300_000);
  const name = `snippet-${uniqueSuffix()}`;
  await signInAs(page, "bob");
  await page.goto(SNIPPET_URL);
  await page.getByLabel("Experiment name").fill(name);
  await expect(page.getByLabel("Plain Python")).toBeChecked();
  await expect(page.getByTestId("first-run-status")).toContainText("Waiting for your first run…");
  await expect(page.getByTestId("first-run-status")).toContainText(`“${name} (101)”`);

  const install = await blockText(page, "Copy install command");
  const token = await blockText(page, "Copy token command");
  const script = await blockText(page, "Copy train.py");
  expect(install).toBe(`pip install "mlflow==${await serverVersion()}"\n`);
  expect(script).toContain(`mlflow.set_tracking_uri("${await page.getByTestId("tracking-uri").textContent()}")`);
  await screenshotWidths(page, "snippet-waiting");

  const stdout = await runLikeAUser([install, token], script, "glpat-bob-demo");
  const runId = /Logged run ([0-9a-f]{32})/.exec(stdout)?.[1];
  expect(runId, stdout).toBeTruthy();
  const logged = await mlflowApi<{ run: { info: { experiment_id: string } } }>(PROJECT, "glpat-bob-demo", `runs/get?run_id=${runId}`);
  const experiment = await mlflowApi<{ experiment: { name: string } }>(PROJECT, "glpat-bob-demo", `experiments/get?experiment_id=${logged.run.info.experiment_id}`);
  expect(experiment.experiment.name).toBe(`${name} (101)`);

  const link = page.getByTestId("first-run-link");
  await expect(link).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("first-run-status")).toHaveAttribute("data-state", "arrived");
  await screenshotWidths(page, "snippet-arrived");
  await link.click();
  await expect(page).toHaveURL(new RegExp(`/projects/${PROJECT}/runs/${runId}$`));
});

test("the snippet follows the user's choices: project-id suffix, framework and GitLab CI", async ({ page }) => {
  await signInAs(page, "bob");
  await page.goto(SNIPPET_URL);
  await page.getByLabel("Experiment name").fill('it\'s "quoted"');
  expect(await blockText(page, "Copy train.py")).toContain('mlflow.set_experiment("it\'s \\"quoted\\" (101)")');
  await page.getByLabel(/Add the project id/).uncheck();
  expect(await blockText(page, "Copy train.py")).toContain('mlflow.set_experiment("it\'s \\"quoted\\"")');

  await page.getByLabel("scikit-learn").check();
  const version = await serverVersion();
  expect(await blockText(page, "Copy install command")).toBe(`pip install "mlflow==${version}" scikit-learn\n`);
  expect(await blockText(page, "Copy train.py")).toContain("\nmlflow.autolog()\n");

  await page.getByLabel(/GitLab CI/).check();
  await expect(page.getByRole("button", { name: "Copy token command" })).toHaveCount(0);
  const job = await blockText(page, "Copy .gitlab-ci.yml");
  expect(job).toContain(`'export MLFLOW_TRACKING_TOKEN="$CI_JOB_TOKEN"'`);
  expect(job).toContain(`'pip install "mlflow==${version}" scikit-learn'`);
  await screenshotWidths(page, "snippet-ci");
});

// A read_api token only reads through the hub (issue 11, hole 5): logging runs with a GitLab token needs api.
test("the snippet links GitLab's token page with the api scope when the user chooses a personal access token", async ({ page }) => {
  await signInAs(page, "bob");
  await page.goto(SNIPPET_URL);
  await page.getByLabel(/with a GitLab personal access token/).check();
  const href = await page.getByRole("link", { name: "Create a GitLab personal access token" }).getAttribute("href");
  expect(href).toBe(`${process.env.GITLAB_URL}/-/user_settings/personal_access_tokens?name=mlflow-hub&scopes=api`);
});

test("a reporter is told their role cannot log runs", async ({ page }) => {
  await signInAs(page, "carol");
  await page.goto(SNIPPET_URL);
  await expect(page.getByRole("note")).toContainText("Your role (Reporter) lets you read this project's MLflow but not log to it");
});
