import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { screenshotWidths, sdkVenv, signInAs, uniqueSuffix } from "./d1-helpers";
import { hubQuery, stackEnv } from "./stack";

// Hub project tokens through the pages a user has: created on Get started, shown once, used by
// the stock MLflow client running the page's own snippet, revoked from the list; a Maintainer
// revokes anyone's on the Permissions page.

const PROJECT = "ml-team/flood-detection";
const SNIPPET_URL = `/projects/${PROJECT}/snippet`;
const PERMISSIONS_URL = `/projects/${PROJECT}/permissions`;
const panel = (page: Page) => page.getByTestId("project-tokens");
const row = (page: Page, name: string) => page.getByTestId("token-table").locator(`tr[data-token='${name}']`);

async function blockText(page: Page, copyLabel: string): Promise<string> {
  return (await page.getByRole("button", { name: copyLabel, exact: true }).getAttribute("data-copy-text"))!;
}

/** The page's shell and script blocks in a fresh shell, the token typed at the prompt; the exit status and output. */
async function runSnippet(shell: string[], script: string, token: string): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), "project-token-"));
  try {
    await writeFile(path.join(dir, "setup.sh"), `${shell.join("")}python train.py\n`);
    await writeFile(path.join(dir, "train.py"), script);
    const run = promisify(execFile)("bash", ["-e", "setup.sh"], {
      cwd: dir,
      timeout: 240_000,
      env: { PATH: `${path.join(sdkVenv(), "bin")}:/usr/bin:/bin`, HOME: dir, PIP_NO_INDEX: "1", PIP_DISABLE_PIP_VERSION_CHECK: "1", MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" } as Record<string, string> as NodeJS.ProcessEnv,
    });
    run.child.stdin!.end(`${token}\n`);
    try {
      const { stdout, stderr } = await run;
      return { ok: true, output: stdout + stderr };
    } catch (e) {
      const failed = e as { stdout?: string; stderr?: string };
      return { ok: false, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function createToken(page: Page, name: string, access: "Read" | "Read and write", days?: number): Promise<string> {
  await panel(page).getByLabel("Token name").fill(name);
  await panel(page).getByLabel(access, { exact: true }).check();
  if (days) await panel(page).getByLabel("Expires after (days)").fill(String(days));
  await panel(page).getByRole("button", { name: "Create token" }).click();
  const value = panel(page).getByTestId("new-token-value");
  await expect(value).toBeVisible();
  return (await value.textContent())!;
}

async function signedInPage(browser: Browser, username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, username);
  return page;
}

test("a project token is created on Get started, shown once, logs the page's snippet with the stock client, and is refused once revoked", async ({ page }) => {
  test.setTimeout(300_000);
  const name = `laptop-${uniqueSuffix()}`;
  await signInAs(page, "bob");
  await page.goto(SNIPPET_URL);
  await expect(page.getByLabel(/with a project token/)).toBeChecked();
  await page.getByLabel("Experiment name").fill(`project-token-${uniqueSuffix()}`);

  const token = await createToken(page, name, "Read and write", 7);
  expect(token).toMatch(/^mlfhub_[0-9A-Za-z]{46}$/);
  expect(await panel(page).getByRole("button", { name: "Copy project token" }).getAttribute("data-copy-text")).toBe(token);
  await expect(row(page, name)).toContainText("Read and write");
  await screenshotWidths(page, "project-token-created");

  // The hub keeps its hash only.
  const stored = await hubQuery<{ secret_hash: string; row: string }>("select secret_hash, row_to_json(t)::text as row from project_tokens t where name = $1", [name]);
  expect(stored).toHaveLength(1);
  expect(stored[0].secret_hash).toBe(createHash("sha256").update(token).digest("base64url"));
  expect(stored[0].row).not.toContain(token.slice("mlfhub_".length));

  const shell = [await blockText(page, "Copy install command"), await blockText(page, "Copy token command")];
  expect(shell[1]).toContain("Project token: ");
  const script = await blockText(page, "Copy train.py");
  const used = await runSnippet(shell, script, token);
  expect(used.ok, used.output).toBe(true);
  expect(used.output).toMatch(/Logged run [0-9a-f]{32}/);

  // Shown once: after a reload only its name is left, now with a last use.
  await page.reload();
  await expect(row(page, name)).toBeVisible();
  await expect(page.getByTestId("new-token-value")).toHaveCount(0);
  await expect(page.getByText(token)).toHaveCount(0);
  await expect(row(page, name).locator("td").nth(3)).not.toHaveText("never");

  await row(page, name).getByRole("button", { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: `Revoke “${name}”?` });
  await dialog.getByRole("button", { name: "Revoke" }).click();
  await expect(row(page, name)).toHaveCount(0);
  expect(await hubQuery("select 1 from project_tokens where name = $1", [name])).toEqual([]);

  const refused = await runSnippet(shell, script, token);
  expect(refused.ok).toBe(false);
  expect(refused.output).toContain("The hub project token is unknown, expired or revoked");
  const direct = await fetch(`${stackEnv("AUTH_URL")}/mlflow/${PROJECT}/tracking/api/2.0/mlflow/experiments/search?max_results=1`, { headers: { authorization: `Bearer ${token}` } });
  expect(direct.status).toBe(401);
});

test("a Maintainer sees a Developer's token on the Permissions page and revokes it; the Developer sees only their own", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const name = `bob-ci-${uniqueSuffix()}`;
  await signInAs(page, "bob");
  await page.goto(PERMISSIONS_URL);
  await createToken(page, name, "Read");
  await expect(row(page, name)).toContainText("Read");

  const maya = await signedInPage(browser, "maya");
  await maya.goto(PERMISSIONS_URL);
  await expect(row(maya, name)).toContainText("@bob");
  const mayasOwn = `maya-${uniqueSuffix()}`;
  await createToken(maya, mayasOwn, "Read");
  await screenshotWidths(maya, "project-tokens-maintainer");

  await page.reload();
  await expect(row(page, name)).toBeVisible();
  await expect(row(page, mayasOwn), "a Developer sees another member's token").toHaveCount(0);

  await row(maya, name).getByRole("button", { name: `Revoke ${name}` }).click();
  await maya.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(row(maya, name)).toHaveCount(0);
  await page.reload();
  await expect(row(page, name)).toHaveCount(0);

  await row(maya, mayasOwn).getByRole("button", { name: `Revoke ${mayasOwn}` }).click();
  await maya.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
  await expect(row(maya, mayasOwn)).toHaveCount(0);
  await maya.context().close();
});

test("a Reporter may create read tokens only, and a non-member none", async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signInAs(page, "carol");
  await page.goto(SNIPPET_URL);
  await expect(panel(page).getByLabel("Read and write", { exact: true })).toBeDisabled();
  await expect(panel(page).getByLabel("Read", { exact: true })).toBeChecked();

  const oscar = await signedInPage(browser, "oscar");
  await oscar.goto("/projects/ml-team/internal-baselines/snippet");
  await expect(panel(oscar).getByRole("note")).toContainText("only members of the project can create project tokens");
  await expect(panel(oscar).getByRole("button", { name: "Create token" })).toHaveCount(0);
  await oscar.context().close();
});
