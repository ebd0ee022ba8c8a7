import { expect, test, type Page } from "@playwright/test";
import { FLOOD, gatewayApi, screenshots, seedModel, signIn } from "./d3-helpers";

const bobApi = gatewayApi(FLOOD.id, "glpat-bob-demo");
const modelsUrl = (name?: string) => `/projects/${FLOOD.path}/models${name ? `/${encodeURIComponent(name)}` : ""}`;

interface ApiModel {
  registered_model: { description?: string; aliases?: { alias: string; version: string }[] };
}
interface ApiVersion {
  model_version: { current_stage: string; description?: string };
}
const getModel = (name: string) => bobApi.get<ApiModel>(`registered-models/get?name=${encodeURIComponent(name)}`);
const getVersion = (name: string, version: string) => bobApi.call<ApiVersion & { error_code?: string }>("GET", `model-versions/get?name=${encodeURIComponent(name)}&version=${version}`);

// The delete floor (DELETE_MIN_ACCESS_LEVEL) may be above Developer: delete as the least-privileged user it allows.
const floor = (process.env.DELETE_MIN_ACCESS_LEVEL ?? "developer").toLowerCase();
const deleter = floor === "owner" ? "alice" : floor === "maintainer" ? "maya" : "bob";

const versionCard = (page: Page, version: string) => page.locator(`article[data-version='${version}']`);

test("a Developer sets and removes aliases, moves a stage and edits descriptions; each change is in MLflow and survives a reload", async ({ page }) => {
  const model = await seedModel("d3-alias", 2);
  await signIn(page, "bob", modelsUrl());
  await page.getByLabel("Search by name").fill(model.name);
  const row = page.locator(`tr[data-model='${model.name}']`);
  await expect(row).toBeVisible();
  await expect(row).toContainText("v2");
  await expect(row).toContainText("team=flood");
  await expect(page.locator("tr[data-model]")).toHaveCount(1);
  await screenshots(page, "models-list");

  // Client-side navigation: a marker on window survives only if the page is not reloaded.
  await page.evaluate(() => ((window as unknown as { d3Marker: boolean }).d3Marker = true));
  await row.getByRole("link", { name: model.name }).click();
  await expect(page.getByRole("heading", { level: 1, name: model.name })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { d3Marker?: boolean }).d3Marker)).toBe(true);

  const setAlias = async (alias: string, version: string) => {
    await page.getByLabel("Alias", { exact: true }).fill(alias);
    await page.getByLabel("Version", { exact: true }).selectOption(version);
    await page.getByRole("button", { name: "Set alias" }).click();
    await expect(page.locator(`[data-alias='${alias}']`)).toContainText(`version ${version}`);
  };
  await setAlias("champion", "1");
  await setAlias("challenger", "2");
  await expect(versionCard(page, "1")).toContainText("@champion");

  await page.getByRole("button", { name: "Remove alias challenger" }).click();
  await expect(page.locator("[data-alias='challenger']")).toHaveCount(0);

  await page.getByLabel("Stage of version 2").selectOption("Staging");
  await expect.poll(async () => (await getVersion(model.name, "2")).json.model_version.current_stage).toBe("Staging");

  await page.getByRole("button", { name: `Edit description of model ${model.name}` }).click();
  await page.getByLabel(`Description of model ${model.name}`).fill("Flood extent U-Net, trained on Sentinel-1");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Flood extent U-Net, trained on Sentinel-1")).toBeVisible();

  await versionCard(page, "1").getByRole("button", { name: "Edit description of version 1" }).click();
  await page.getByLabel("Description of version 1").fill("First candidate");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(versionCard(page, "1")).toContainText("First candidate");

  await page.reload();
  await expect(page.locator("[data-alias='champion']")).toContainText("version 1");
  await expect(page.locator("[data-alias='challenger']")).toHaveCount(0);
  await expect(page.getByLabel("Stage of version 2")).toHaveValue("Staging");
  await expect(page.getByLabel("Stage of version 1")).toHaveValue("None");
  await expect(page.getByText("Flood extent U-Net, trained on Sentinel-1")).toBeVisible();
  await expect(versionCard(page, "1").getByRole("link", { name: model.runId.slice(0, 8) })).toHaveAttribute("href", `/projects/${FLOOD.path}/runs/${model.runId}`);

  const api = (await getModel(model.name)).registered_model;
  expect(api.aliases).toEqual([{ alias: "champion", version: "1" }]);
  expect(api.description).toBe("Flood extent U-Net, trained on Sentinel-1");
  expect((await getVersion(model.name, "1")).json.model_version.description).toBe("First candidate");
  await screenshots(page, "model-detail-developer");
});

test("an alias MLflow would refuse is explained before it is sent", async ({ page }) => {
  const model = await seedModel("d3-badalias", 1);
  await signIn(page, "bob", modelsUrl(model.name));
  await page.getByLabel("Alias", { exact: true }).fill("v7");
  await page.getByRole("button", { name: "Set alias" }).click();
  await expect(page.getByRole("form", { name: "Set an alias" }).getByRole("alert")).toContainText("reserved by MLflow");
  await expect(page.getByLabel("Alias", { exact: true })).toHaveAttribute("aria-invalid", "true");
  expect((await getModel(model.name)).registered_model.aliases ?? []).toEqual([]);
});

test("a user at the delete floor deletes a version through a labelled confirmation dialog that traps focus and closes on Escape", async ({ page }) => {
  const model = await seedModel("d3-delete", 2);
  await signIn(page, deleter, modelsUrl(model.name));
  const open = versionCard(page, "2").getByRole("button", { name: "Delete version 2" });
  await open.click();
  const dialog = page.getByRole("dialog", { name: `Delete version 2 of ${model.name}?` });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Delete" })).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Cancel" })).toBeFocused();
  await page.keyboard.press("Shift+Tab");
  await expect(dialog.getByRole("button", { name: "Delete" })).toBeFocused();
  await screenshots(page, "model-delete-dialog");

  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await expect(open).toBeFocused();
  expect((await getVersion(model.name, "2")).status).toBe(200);

  await open.click();
  await dialog.getByRole("button", { name: "Delete" }).click();
  await expect(dialog).toHaveCount(0);
  await expect(versionCard(page, "2")).toHaveCount(0);
  await expect(versionCard(page, "1")).toBeVisible();
  const gone = await getVersion(model.name, "2");
  expect(gone.status).toBe(404);
  expect(gone.json.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
});

test("a user at the delete floor deletes the whole model and lands back on the list without it", async ({ page }) => {
  const model = await seedModel("d3-delmodel", 1);
  await signIn(page, deleter, modelsUrl(model.name));
  await page.getByRole("button", { name: "Delete model" }).click();
  await page.getByRole("dialog", { name: `Delete the model ${model.name}?` }).getByRole("button", { name: "Delete" }).click();
  await page.waitForURL((url) => url.pathname === modelsUrl());
  await page.getByLabel("Search by name").fill(model.name);
  await expect(page.getByTestId("models-empty")).toContainText(`No model name contains “${model.name}”`);
  expect((await bobApi.call("GET", `registered-models/get?name=${encodeURIComponent(model.name)}`)).status).toBe(404);
});

test("a change MLflow refuses is shown inline where it was made, and the page keeps working", async ({ page }) => {
  const model = await seedModel("d3-stale", 2);
  await signIn(page, "bob", modelsUrl(model.name));
  await expect(versionCard(page, "2")).toBeVisible();
  // Someone else deletes version 2 while bob's page still shows it.
  const removed = await gatewayApi(FLOOD.id, `glpat-${deleter}-demo`).call("DELETE", "model-versions/delete", { name: model.name, version: "2" });
  expect(removed.status).toBe(200);
  await page.getByLabel("Stage of version 2").selectOption("Production");
  await expect(page.getByTestId("mutation-error")).toContainText("RESOURCE_DOES_NOT_EXIST");
  await page.getByLabel("Alias", { exact: true }).fill("champion");
  await page.getByLabel("Version", { exact: true }).selectOption("1");
  await page.getByRole("button", { name: "Set alias" }).click();
  await expect(page.locator("[data-alias='champion']")).toContainText("version 1");
  await expect(versionCard(page, "2")).toHaveCount(0);
});

test("the model list searches by name, keeps the search in the URL and says when nothing matches", async ({ page }) => {
  const a = await seedModel("d3-search-alpha", 1);
  const b = await seedModel("d3-search-beta", 1);
  await signIn(page, "carol", modelsUrl());
  await expect(page.locator(`tr[data-model='${a.name}']`)).toBeVisible();
  await page.getByLabel("Search by name").fill(b.name.toUpperCase());
  await expect(page.locator(`tr[data-model='${a.name}']`)).toHaveCount(0);
  await expect(page.locator(`tr[data-model='${b.name}']`)).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`\\?q=${b.name.toUpperCase()}$`));
  await page.reload();
  await expect(page.getByLabel("Search by name")).toHaveValue(b.name.toUpperCase());
  await expect(page.locator(`tr[data-model='${b.name}']`)).toBeVisible();
  await page.getByLabel("Search by name").fill(`${a.name}-nothing`);
  await expect(page.getByTestId("models-empty")).toBeVisible();
});

test("a Reporter sees the model, its versions, stages and aliases, but no control to change them", async ({ page }) => {
  const model = await seedModel("d3-reader", 2);
  await bobApi.post("registered-models/alias", { name: model.name, alias: "champion", version: "1" });
  await bobApi.post("model-versions/transition-stage", { name: model.name, version: "1", stage: "Production", archive_existing_versions: false });
  await signIn(page, "carol", modelsUrl(model.name));
  await expect(page.getByTestId("role-badge")).toHaveText("Reporter");
  await expect(page.getByRole("heading", { level: 1, name: model.name })).toBeVisible();
  await expect(page.locator("[data-alias='champion']")).toContainText("version 1");
  await expect(versionCard(page, "1")).toContainText("Production");
  await expect(versionCard(page, "2")).toContainText("None");
  await expect(versionCard(page, "1").getByRole("link", { name: model.runId.slice(0, 8) })).toBeVisible();
  for (const control of [
    page.getByRole("button", { name: "Set alias" }),
    page.getByRole("button", { name: /^Remove alias/ }),
    page.getByRole("combobox"),
    page.getByRole("textbox"),
    page.getByRole("button", { name: /^Edit description/ }),
    page.getByRole("button", { name: /^Delete/ }),
  ]) {
    await expect(control).toHaveCount(0);
  }
  await screenshots(page, "model-detail-reporter");
});

test("a write forged from a Reporter's browser session is refused by the gateway with 403 PERMISSION_DENIED and changes nothing", async ({ page }) => {
  const model = await seedModel("d3-forged", 1);
  await signIn(page, "carol", modelsUrl(model.name));
  await expect(page.getByRole("heading", { level: 1, name: model.name })).toBeVisible();
  const forged = await page.evaluate(
    async ({ id, name }) => {
      const send = async (method: string, route: string, body: unknown) => {
        const res = await fetch(`/mlflow/${id}/tracking/ajax-api/2.0/mlflow/${route}`, { method, credentials: "same-origin", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        return { status: res.status, body: await res.json() };
      };
      return {
        alias: await send("POST", "registered-models/alias", { name, alias: "forged", version: "1" }),
        stage: await send("POST", "model-versions/transition-stage", { name, version: "1", stage: "Production", archive_existing_versions: false }),
        remove: await send("DELETE", "model-versions/delete", { name, version: "1" }),
      };
    },
    { id: FLOOD.id, name: model.name },
  );
  for (const r of Object.values(forged)) {
    expect(r.status).toBe(403);
    expect(r.body.error_code).toBe("PERMISSION_DENIED");
    expect(r.body.message).toContain("Reporter");
  }
  expect((await getModel(model.name)).registered_model.aliases ?? []).toEqual([]);
  const v1 = await getVersion(model.name, "1");
  expect(v1.status).toBe(200);
  expect(v1.json.model_version.current_stage).toBe("None");
});

test("a model that does not exist in the project says so", async ({ page }) => {
  await signIn(page, "bob", modelsUrl("d3-no-such-model"));
  await expect(page.getByTestId("model-not-found")).toContainText("No model named “d3-no-such-model”");
  await page.getByRole("link", { name: "← All models" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Registered models" })).toBeVisible();
});

test("a model whose name holds spaces and a quote is found by search and opens with all its versions", async ({ page }) => {
  const model = await seedModel("d3 bob's model", 2);
  await signIn(page, "carol", modelsUrl());
  await page.getByLabel("Search by name").fill("bob's model");
  await page.locator(`tr[data-model="${model.name}"]`).getByRole("link", { name: model.name }).click();
  await expect(page.getByRole("heading", { level: 1, name: model.name })).toBeVisible();
  await expect(versionCard(page, "1")).toBeVisible();
  await expect(versionCard(page, "2")).toBeVisible();
});
