import { expect, test, type Page } from "@playwright/test";
import { DEMO_PASSWORD, stackEnv } from "./stack";

async function signIn(page: Page, username: string) {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in with GitLab" }).click();
  await page.getByLabel("Username or primary email").fill(username);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${stackEnv("AUTH_URL")}/`);
}

async function createExperiment(project: string, token: string, name: string) {
  const res = await fetch(`${stackEnv("AUTH_URL")}/mlflow/${project}/tracking/api/2.0/mlflow/experiments/create`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(200);
}

test("the stock MLflow UI at a project's tracking URI shows that project's experiments and no other's", async ({ page }) => {
  const suffix = Date.now().toString(36);
  const mine = `ui-flood-${suffix} (101)`;
  const theirs = `ui-public-${suffix} (103)`;
  await createExperiment("ml-team/flood-detection", "glpat-bob-demo", mine);
  await createExperiment("open-science/public-models", "glpat-alice-demo", theirs);

  await signIn(page, "bob");
  await page.goto("/mlflow/ml-team/flood-detection/tracking/");
  await expect(page).toHaveURL(/\/mlflow\/ml-team\/flood-detection\/tracking\/\?workspace=gitlab-101/);
  await expect(page.getByText(mine).first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText(theirs)).toHaveCount(0);
  await page.screenshot({ path: "e2e/artifacts/screenshots/mlflow-ui-project.png", fullPage: true });
});

test("a browser without a hub session is sent to sign in instead of the MLflow UI", async ({ page }) => {
  await page.goto("/mlflow/ml-team/flood-detection/tracking/");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  await expect(page.getByRole("button", { name: "Sign in with GitLab" })).toBeVisible();
});

test("an outsider opening a private project's tracking URI learns nothing about it", async ({ page }) => {
  await signIn(page, "oscar");
  const res = await page.goto("/mlflow/ml-team/flood-detection/tracking/");
  expect(res?.status()).toBe(404);
  await expect(page.getByText("RESOURCE_DOES_NOT_EXIST")).toBeVisible();
});
