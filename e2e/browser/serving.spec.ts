import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { sdkVenv, uniqueSuffix } from "./d1-helpers";
import { FLOOD, signIn } from "./d3-helpers";
import { hubQuery, stackEnv } from "./stack";

// bob is a Developer of ml-team/flood-detection, carol a Reporter, root GitLab's admin.
const BOB = "glpat-bob-demo";
const modelUrl = (name: string) => `/projects/${FLOOD.path}/models/${encodeURIComponent(name)}`;
const servingUrl = (name: string, ref: string, op = "") => `${stackEnv("AUTH_URL")}/mlflow/${FLOOD.path}/serving/${encodeURIComponent(name)}/${ref}${op ? `/${op}` : ""}`;

/** Deliberately not process.env: nothing of the test runner's (or MLflow's) settings leaks into the child. */
const only = (env: Record<string, string>) => env as NodeJS.ProcessEnv;

/** Python in the SDK virtualenv, in an empty directory and environment: only what `env` gives. */
async function python(script: string, env: Record<string, string>, stdin?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "serving-spec-"));
  try {
    await writeFile(path.join(dir, "main.py"), script);
    const run = promisify(execFile)(path.join(sdkVenv(), "bin", "python"), ["main.py"], { cwd: dir, timeout: 240_000, env: only({ PATH: "/usr/bin:/bin", HOME: dir, ...env }) });
    if (stdin !== undefined) run.child.stdin!.end(stdin);
    return (await run).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A small scikit-learn model logged and registered by bob with the stock MLflow client through the
 * hub, and what it predicts locally for the snippet's example input (three features, one row).
 */
async function registerSklearnModel(name: string): Promise<{ version: string; expected: unknown }> {
  const out = await python(
    `
import json, mlflow, numpy as np
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(7)
x = rng.normal(size=(200, 3))
y = (x[:, 0] - x[:, 1] + 0.5 * x[:, 2] > 0).astype(int)
model = LogisticRegression().fit(x, y)
mlflow.set_experiment("${name} (${FLOOD.id})")
with mlflow.start_run():
    info = mlflow.sklearn.log_model(model, name="model", registered_model_name="${name}")
print(json.dumps({"version": str(info.registered_model_version), "expected": model.predict(np.array([[1.0, 2.0, 3.0]])).tolist()}))
`,
    { MLFLOW_TRACKING_URI: `${stackEnv("AUTH_URL")}/mlflow/${FLOOD.path}/tracking/`, MLFLOW_TRACKING_TOKEN: BOB, MLFLOW_DISABLE_TELEMETRY: "true", DO_NOT_TRACK: "true" },
  );
  return JSON.parse(out.trim().split("\n").at(-1)!) as { version: string; expected: unknown };
}

/** A copy button's text as the page put it on the clipboard: clicked, then read back from the clipboard. */
async function copied(page: Page, label: string): Promise<string> {
  await page.evaluate(() => navigator.clipboard.writeText(""));
  await page.getByRole("button", { name: label, exact: true }).click();
  await expect(page.getByRole("button", { name: label, exact: true })).toContainText("Copied");
  return page.evaluate(() => navigator.clipboard.readText());
}

async function signedIn(browser: Browser, username: string, url: string, clipboard = false) {
  const context = await browser.newContext(clipboard ? { permissions: ["clipboard-read", "clipboard-write"] } : {});
  const page = await context.newPage();
  await signIn(page, username, url);
  return { page, close: () => context.close() };
}

const invoke = (name: string, ref: string, token = BOB) =>
  fetch(servingUrl(name, ref, "invocations"), { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ inputs: [[1.0, 2.0, 3.0]] }) });

test("a Developer deploys from the model page, the copied snippets run and predict as the model does; a Reporter sees the endpoint without controls; an admin sees its memory and CPU and stops it", async ({ browser }) => {
  test.setTimeout(600_000);
  const name = `serve-ui-${uniqueSuffix()}`;
  const { version, expected } = await registerSklearnModel(name);

  // bob deploys version 1 from the model's page and watches it become ready.
  const bob = await signedIn(browser, "bob", modelUrl(name), true);
  const card = bob.page.getByTestId(`endpoint-${name}-${version}`);
  try {
    await expect(bob.page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(bob.page.getByText("No endpoints for this model yet.")).toBeVisible();
    await bob.page.getByLabel("Version or alias to deploy").selectOption({ label: `version ${version}` });
    await bob.page.getByRole("button", { name: "Deploy", exact: true }).click();
    await expect(card.getByTestId("endpoint-state")).toHaveText(/starting|ready/);
    await expect(card.getByTestId("endpoint-state")).toHaveText("ready", { timeout: 240_000 });
    await expect(card).toContainText(`serving version ${version}`);

    // The snippets as the clipboard has them, run with bob's token the way the snippet expects it.
    await card.getByText("Call it").click();
    const curl = await copied(bob.page, "Copy curl");
    expect(curl).toBe(await card.getByTestId("curl-snippet").textContent());
    expect(curl).toContain(servingUrl(name, version, "invocations"));
    const { stdout } = await promisify(execFile)("bash", ["-e", "-c", curl], { timeout: 60_000, env: only({ PATH: "/usr/bin:/bin", MLFLOW_TRACKING_TOKEN: BOB }) });
    expect(JSON.parse(stdout)).toEqual({ predictions: expected });
    const py = await copied(bob.page, "Copy Python");
    expect(py).toBe(await card.getByTestId("python-snippet").textContent());
    expect((await python(py, { MLFLOW_TRACKING_TOKEN: BOB })).trim()).toBe(JSON.stringify(expected).replace(/,/g, ", "));
    // The page counts what it served.
    await bob.page.reload();
    await expect(card).toContainText("2 invocations", { timeout: 20_000 });

    // carol (Reporter) sees the endpoint and its snippet, but neither Deploy nor Stop.
    const carol = await signedIn(browser, "carol", modelUrl(name));
    try {
      const seen = carol.page.getByTestId(`endpoint-${name}-${version}`);
      await expect(seen.getByTestId("endpoint-state")).toHaveText("ready");
      await expect(seen.getByTestId("curl-snippet")).toBeAttached();
      await expect(carol.page.getByRole("button", { name: "Deploy" })).toHaveCount(0);
      await expect(carol.page.getByLabel("Version or alias to deploy")).toHaveCount(0);
      await expect(seen.getByRole("button", { name: "Stop" })).toHaveCount(0);
    } finally {
      await carol.close();
    }

    // root sees it among every project's endpoints with the runtime's memory and CPU, and stops it.
    const root = await signedIn(browser, "root", "/admin/serving");
    try {
      await root.page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Serving" }).click();
      const row = root.page.locator(`tr[data-endpoint='${FLOOD.id}/${name}/${version}']`);
      await expect(row).toHaveAttribute("data-state", "ready");
      await expect(row.getByRole("link", { name: FLOOD.path })).toHaveAttribute("href", `/projects/${FLOOD.path}`);
      await expect(row.locator("td[data-column='version']")).toHaveText(version);
      // Deployed from bob's browser session: named by his GitLab username (kept at sign-in), as the audit row is.
      await expect(row.locator("td[data-column='deployed']")).toContainText(/^bob, /);
      expect(await hubQuery("select username from audit_events where route = 'serving:deploy' and project_id = $1 and user_id is not null order by time desc limit 1", [FLOOD.id])).toEqual([{ username: "bob" }]);
      await expect(row.locator("td[data-column='memory']")).toHaveText(/^\d+(\.\d+)? (KiB|MiB|GiB)$/);
      // Loading a scikit-learn model takes CPU: the time is the model's own processes' (a wrapper's would be 0.0).
      await expect(row.locator("td[data-column='cpuSeconds']")).toHaveText(/^(?!0\.0 s$)\d+\.\d s$/);
      await expect(row.locator("td[data-column='requests']")).toHaveText(/^2 · /);
      // The CPU share needs two samples: the page refreshes itself every 5 s.
      await expect(row.locator("td[data-column='cpu']")).toHaveText(/^\d+(\.\d)? %$/, { timeout: 20_000 });
      const memory = await row.locator("td[data-column='memory']").textContent();
      const cpu = await row.locator("td[data-column='cpu']").textContent();
      const cpuTime = await row.locator("td[data-column='cpuSeconds']").textContent();
      console.log(`admin Serving page, a ready LogisticRegression endpoint: memory ${memory}, CPU ${cpu}, CPU time ${cpuTime}`);
      await root.page.screenshot({ path: "e2e/artifacts/screenshots/admin-serving.png", fullPage: true });

      const stoppedAt = new Date(Date.now() - 1_000);
      await row.getByRole("button", { name: `Stop ${name} version ${version} in ${FLOOD.path}` }).click();
      await expect(row).toHaveAttribute("data-state", "stopped");
      await expect(row.getByRole("button", { name: /^Stop/ })).toHaveCount(0);
      const audit = await hubQuery<{ username: string; detail: string; project_path: string }>(
        "select username, detail, project_path from audit_events where route = '/admin/serving' and project_id = $1 and time >= $2 order by time desc limit 1",
        [FLOOD.id, stoppedAt],
      );
      expect(audit).toEqual([{ username: "root", project_path: FLOOD.path, detail: `stopped the endpoint ${name} version ${version} from the admin page` }]);
    } finally {
      await root.close();
    }

    // Stopped for everyone: the invocation is refused, and bob's page says so with a Deploy again.
    const refused = await invoke(name, version);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ error_code: "RESOURCE_DOES_NOT_EXIST" });
    await bob.page.reload();
    await expect(card.getByTestId("endpoint-state")).toHaveText("stopped");
    await expect(card.getByRole("button", { name: "Deploy again" })).toBeVisible();
  } finally {
    await fetch(servingUrl(name, version), { method: "DELETE", headers: { authorization: `Bearer ${BOB}` } });
    await bob.close();
  }
});

test("a Developer gets the admin Serving page's not-found, and cannot stop an endpoint through the admin's form", async ({ browser }) => {
  test.setTimeout(300_000);
  const name = `serve-deny-${uniqueSuffix()}`;
  const { version } = await registerSklearnModel(name);
  const deployed = await fetch(servingUrl(name, version), { method: "PUT", headers: { authorization: `Bearer ${BOB}` } });
  expect(deployed.status).toBe(202);
  try {
    const bob = await signedIn(browser, "bob", "/");
    try {
      const res = await bob.page.goto("/admin/serving");
      expect(res?.status()).toBe(404);
      await expect(bob.page.getByTestId("not-found")).toBeVisible();
      expect(await bob.page.locator("body").innerText()).not.toContain(name);

      // The admin's Stop form, replayed by bob with his own session: the action itself refuses him.
      const root = await signedIn(browser, "root", "/admin/serving");
      try {
        const row = root.page.locator(`tr[data-endpoint='${FLOOD.id}/${name}/${version}']`);
        await expect(row).toBeVisible();
        const fields = await row.locator("form").evaluate((form: HTMLFormElement) => [...new FormData(form).entries()].map(([k, v]) => [k, String(v)] as [string, string]));
        // React renders a server action's form with its reference, for browsers without JavaScript: a replay needs nothing else.
        expect(fields.map(([k]) => k)).toContain("endpoint");
        expect(fields.some(([k]) => k.startsWith("$ACTION"))).toBe(true);
        const replay = (p: Page) => p.request.post("/admin/serving", { multipart: Object.fromEntries(fields), headers: { origin: new URL(stackEnv("AUTH_URL")).origin }, maxRedirects: 0 });
        const state = async () => ((await (await fetch(servingUrl(name, version), { headers: { authorization: `Bearer ${BOB}` } })).json()) as { state: string }).state;
        expect((await replay(bob.page)).status()).toBe(404);
        expect(await state()).not.toBe("stopped");
        // The same replay with the admin's session stops it: bob's 404 was the refusal, not a malformed request.
        expect((await replay(root.page)).status()).toBe(200);
        expect(await state()).toBe("stopped");
      } finally {
        await root.close();
      }
    } finally {
      await bob.close();
    }
  } finally {
    await fetch(servingUrl(name, version), { method: "DELETE", headers: { authorization: `Bearer ${BOB}` } });
  }
});
