import { expect, test, type Page } from "@playwright/test";
import { ACCESS_LEVEL, type DeleteFloor } from "@/lib/gateway/permissions";
import { FLOOD, screenshots, seedModel, signIn, type SeededModel } from "./d3-helpers";

// Who is who on ml-team/flood-detection in infra/gitlab-dev/fixtures/demo.yaml (all through the ml-team group).
const PEOPLE = [
  { username: "alice", role: "Owner", level: ACCESS_LEVEL.owner },
  { username: "maya", role: "Maintainer", level: ACCESS_LEVEL.maintainer },
  { username: "bob", role: "Developer", level: ACCESS_LEVEL.developer },
  { username: "carol", role: "Reporter", level: ACCESS_LEVEL.reporter },
  { username: "erin", role: "Planner", level: ACCESS_LEVEL.planner },
  { username: "dave", role: "Guest", level: ACCESS_LEVEL.guest },
] as const;

const SECTIONS = ["overview", "experiments", "models", "permissions", "snippet"] as const;
const deleteFloor = (process.env.DELETE_MIN_ACCESS_LEVEL ?? "developer").toLowerCase() as DeleteFloor;
const sectionUrl = (section: (typeof SECTIONS)[number]) => `/projects/${FLOOD.path}${section === "overview" ? "" : `/${section}`}`;

let model: SeededModel;
test.beforeAll(async () => {
  model = await seedModel("d3-roles", 1);
});

/** A page that loaded: 200, not the not-found or unavailable page, no error shown once its data has arrived. */
async function expectLoaded(page: Page, url: string, role: string) {
  const res = await page.goto(url);
  expect(res?.status(), url).toBe(200);
  // Loaded = every loading indicator gone (the snippet page keeps polling, so the network never idles).
  await expect(page.locator("main .loading"), url).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByTestId("role-badge"), url).toHaveText(role);
  await expect(page.getByTestId("not-found"), url).toHaveCount(0);
  await expect(page.getByTestId("unavailable"), url).toHaveCount(0);
  await expect(page.locator(".error-inline:visible"), url).toHaveCount(0);
  await expect(page.getByText(/Application error|Unhandled Runtime Error|Internal Server Error/), url).toHaveCount(0);
}

for (const who of PEOPLE) {
  const writes = who.level >= ACCESS_LEVEL.developer;
  const deletes = who.level >= ACCESS_LEVEL[deleteFloor];
  test(`${who.username} (${who.role}) walks every page of flood-detection and sees ${writes ? "the" : "no"} write controls on models`, async ({ page }) => {
    // Eight pages and six screenshots: more than the default minute on a loaded machine.
    test.setTimeout(240_000);
    await signIn(page, who.username, sectionUrl("overview"));
    for (const section of SECTIONS) await expectLoaded(page, sectionUrl(section), who.role);

    await expectLoaded(page, `${sectionUrl("models")}?q=${model.name}`, who.role);
    await expect(page.locator(`tr[data-model='${model.name}']`)).toBeVisible();
    await screenshots(page, `roles-${who.username}-models`);

    await expectLoaded(page, `${sectionUrl("models")}/${model.name}`, who.role);
    await expect(page.locator("article[data-version='1']")).toBeVisible();
    const controls = {
      setAlias: page.getByRole("button", { name: "Set alias" }),
      stage: page.getByLabel("Stage of version 1"),
      editModel: page.getByRole("button", { name: `Edit description of model ${model.name}` }),
      editVersion: page.getByRole("button", { name: "Edit description of version 1" }),
    };
    for (const [name, control] of Object.entries(controls)) await expect(control, name).toHaveCount(writes ? 1 : 0);
    await expect(page.getByRole("button", { name: "Delete version 1" })).toHaveCount(deletes ? 1 : 0);
    await expect(page.getByRole("button", { name: "Delete model" })).toHaveCount(deletes ? 1 : 0);
    await screenshots(page, `roles-${who.username}-model-detail`);

    await expectLoaded(page, sectionUrl("permissions"), who.role);
    await expect(page.getByTestId("your-role")).toHaveText(who.role);
    await expect(page.getByTestId("permission-matrix").locator("tr[aria-current='true']")).toHaveAttribute("data-role", who.role);
    await expect(page.getByTestId("members").locator(`[data-username='${who.username}']`)).toHaveAttribute("aria-current", "true");
    await screenshots(page, `roles-${who.username}-permissions`);
  });
}

test("oscar, in no group of the project, gets the not-found page with status 404 on every page of the private project, and the gateway refuses his session too", async ({ page }) => {
  await signIn(page, "oscar");
  for (const url of [...SECTIONS.map(sectionUrl), `${sectionUrl("models")}/${model.name}`, `/projects/${FLOOD.path}/runs/${model.runId}`]) {
    const res = await page.goto(url);
    expect(res?.status(), url).toBe(404);
    await expect(page.getByTestId("not-found"), url).toBeVisible();
    await expect(page.getByTestId("role-badge"), url).toHaveCount(0);
    await expect(page.getByText(model.name), url).toHaveCount(0);
  }
  await screenshots(page, "roles-oscar-not-found");
  const api = await page.evaluate(async (id) => {
    const res = await fetch(`/mlflow/${id}/tracking/ajax-api/2.0/mlflow/registered-models/search`, { credentials: "same-origin" });
    return { status: res.status, body: await res.json() };
  }, FLOOD.id);
  expect(api.status).toBe(404);
  expect(api.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
});
