import { expect, request, test } from "@playwright/test";
import { FLOOD, seedModel, signIn } from "./d3-helpers";

test("a version's STAC item link on the models page opens its item, read with the viewer's session in a private project", async ({ page }) => {
  const model = await seedModel("stac link ü", 2);
  await signIn(page, "carol", `/projects/${FLOOD.path}/models/${encodeURIComponent(model.name)}`);
  const card = page.locator("article[data-version='2']");
  await expect(card).toBeVisible();
  await card.getByRole("link", { name: "STAC item" }).click();
  await page.waitForURL(/\/api\/stac\/collections\/gitlab-101\/items\/101-[a-z0-9-]+-v2$/);
  const item = JSON.parse((await page.locator("body").innerText()).trim()) as {
    id: string;
    collection: string;
    properties: Record<string, unknown>;
    links: { rel: string; "mlflow:uri"?: string }[];
  };
  expect(page.url()).toContain(`/items/${item.id}`);
  expect(item.collection).toBe("gitlab-101");
  expect(item.properties["mlflow:model_name"]).toBe(model.name);
  expect(item.properties["mlflow:version"]).toBe("2");
  expect(item.links.filter((l) => l.rel === "mlflow:model").map((l) => l["mlflow:uri"])).toEqual([`models:/${model.name}/2`]);

  // The same link signed out: a private project's item does not exist for an anonymous caller.
  const anonymous = await request.newContext();
  expect((await anonymous.get(page.url())).status()).toBe(404);
  await anonymous.dispose();
});

test("the hub's root page links the STAC catalog", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "STAC catalog of models" }).click();
  await page.waitForURL(/\/api\/stac$/);
  expect(JSON.parse(await page.locator("body").innerText())).toMatchObject({ type: "Catalog", conformsTo: expect.arrayContaining(["https://api.stacspec.org/v1.0.0/core"]) });
});
