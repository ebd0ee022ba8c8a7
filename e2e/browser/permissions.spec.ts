import { expect, test, type Page } from "@playwright/test";
import { decide, type Visibility } from "@/lib/gateway/decide";
import { permissionTable, type DeleteFloor } from "@/lib/gateway/permissions";
import { FLOOD, screenshots, signIn } from "./d3-helpers";

// The stack's settings as the hub reads them (unset → the config's defaults).
const deleteFloor = (process.env.DELETE_MIN_ACCESS_LEVEL ?? "developer").toLowerCase() as DeleteFloor;
const cacheSeconds = Number(process.env.PROJECT_CACHE_TIMEOUT ?? 30);
const mandatoryTopics = (process.env.MANDATORY_TOPICS ?? "").split(",").map((t) => t.trim()).filter(Boolean);

const LEVELS: Record<string, number> = { Guest: 10, Planner: 15, Reporter: 20, Developer: 30, Maintainer: 40, Owner: 50 };
const permissionsUrl = (path: string) => `/projects/${path}/permissions`;
const matrix = (page: Page) => page.getByTestId("permission-matrix");
const cell = (page: Page, row: string, action: string) => matrix(page).locator(`tr[data-role='${row}'] td[data-action='${action}']`);

/** What decide() — the gateway's decision — says for a row of the matrix. */
function expected(row: string, visibility: Visibility, action: "read" | "write" | "delete"): boolean {
  const level = LEVELS[row] ?? 0;
  const access = { project: { id: 1, path: "g/p", visibility, topics: [] }, accessLevel: level, source: "project" as const, anonymous: row === "Anonymous" };
  return decide(action, access, deleteFloor).allow;
}

async function expectMatrixAgreesWithDecide(page: Page, visibility: Visibility, rows: string[]) {
  await expect(matrix(page).locator("tbody tr")).toHaveCount(rows.length);
  expect(await matrix(page).locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-role")))).toEqual(rows);
  for (const row of rows) {
    for (const action of ["read", "write", "delete"] as const) {
      await expect(cell(page, row, action), `${row} × ${action}`).toHaveAttribute("data-allowed", String(expected(row, visibility, action)));
    }
  }
}

test("the role × action matrix is the gateway's permission table, each cell as decide() answers, the delete column at this hub's floor", async ({ page }) => {
  await signIn(page, "bob", permissionsUrl(FLOOD.path));
  const roles = ["Guest", "Planner", "Reporter", "Developer", "Maintainer", "Owner"];
  await expectMatrixAgreesWithDecide(page, "private", roles);

  // Spelled out, so a wrong decide() cannot make this pass on its own.
  await expect(cell(page, "Reporter", "read")).toHaveAttribute("data-allowed", "true");
  await expect(cell(page, "Reporter", "write")).toHaveAttribute("data-allowed", "false");
  await expect(cell(page, "Guest", "write")).toHaveAttribute("data-allowed", "false");
  await expect(cell(page, "Developer", "write")).toHaveAttribute("data-allowed", "true");
  const floorLevel = LEVELS[deleteFloor[0].toUpperCase() + deleteFloor.slice(1)];
  for (const role of roles) await expect(cell(page, role, "delete"), `${role} × delete`).toHaveAttribute("data-allowed", String(LEVELS[role] >= floorLevel));
  await expect(cell(page, "Reporter", "write")).toHaveAttribute("title", /Reporter.*Developer or higher/);

  for (const p of permissionTable(deleteFloor)) {
    await expect(matrix(page).locator(`th[data-action='${p.action}']`)).toHaveText(p.title);
    await expect(page.locator(`.matrix-legend [data-action='${p.action}'] dd`)).toHaveText(p.description);
  }
  await expect(matrix(page).locator("tr[aria-current='true']")).toHaveAttribute("data-role", "Developer");
  await expect(page.getByTestId("delete-floor")).toContainText(`DELETE_MIN_ACCESS_LEVEL=${deleteFloor}`);
  await expect(page.getByTestId("cache-ttl")).toContainText(`PROJECT_CACHE_TIMEOUT=${cacheSeconds}`);
  if (mandatoryTopics.length) for (const t of mandatoryTopics) await expect(page.getByTestId("mandatory-topics")).toContainText(t);
  else await expect(page.getByTestId("mandatory-topics")).toContainText("every project gets an MLflow");
});

test("bob's access on flood-detection reads Developer, from his membership of the ml-team group", async ({ page }) => {
  await signIn(page, "bob", permissionsUrl(FLOOD.path));
  await expect(page.getByTestId("your-role")).toHaveText("Developer");
  await expect(page.getByTestId("role-source")).toHaveAttribute("data-source", "group");
  await expect(page.getByTestId("role-source")).toContainText("group this project belongs to (ml-team");
  await expect(page.getByTestId("you-may")).toContainText("create and update");
  await screenshots(page, "permissions-developer");
});

test("dave is a Reporter on segmentation through his direct project membership, above his Guest role in ml-team", async ({ page }) => {
  await signIn(page, "dave", permissionsUrl("ml-team/vision/segmentation"));
  await expect(page.getByTestId("role-badge")).toHaveText("Reporter");
  await expect(page.getByTestId("your-role")).toHaveText("Reporter");
  await expect(page.getByTestId("role-source")).toHaveAttribute("data-source", "project");
  await expect(page.getByTestId("role-source")).toContainText("membership of this project");
  await expect(page.getByTestId("you-may")).toHaveText("read, invoke model endpoints");
  await expect(matrix(page).locator("tr[aria-current='true']")).toHaveAttribute("data-role", "Reporter");
  const members = page.getByTestId("members");
  await expect(members.locator("[data-role='Reporter'] [data-username='dave']")).toBeVisible();
  await expect(members.locator("[data-role='Developer'] [data-username='carol']")).toBeVisible();
  await expect(members.locator("[data-username='dave']")).toHaveAttribute("aria-current", "true");
});

test("a public project adds the visibility-only and anonymous rows; alice reads it as its Owner", async ({ page }) => {
  await signIn(page, "alice", permissionsUrl("open-science/public-models"));
  await expect(page.getByTestId("visibility")).toHaveText("Public");
  await expect(page.getByTestId("your-role")).toHaveText("Owner");
  await expect(page.getByTestId("role-source")).toHaveAttribute("data-source", "group");
  await expectMatrixAgreesWithDecide(page, "public", ["Guest", "Planner", "Reporter", "Developer", "Maintainer", "Owner", "Visibility only (signed in)", "Anonymous"]);
  await expect(cell(page, "Anonymous", "read")).toHaveAttribute("data-allowed", "true");
  await expect(cell(page, "Anonymous", "write")).toHaveAttribute("data-allowed", "false");
  await expect(page.getByTestId("members").locator("[data-role='Owner'] [data-username='alice']")).toHaveAttribute("aria-current", "true");
  await screenshots(page, "permissions-public-owner");
});

test("an outsider on a public project reads through its visibility, and the matrix marks that row as theirs", async ({ page }) => {
  await signIn(page, "oscar", permissionsUrl("open-science/public-models"));
  await expect(page.getByTestId("role-source")).toHaveAttribute("data-source", "visibility");
  await expect(page.getByTestId("role-source")).toContainText("not a member");
  await expect(page.getByTestId("your-role")).toHaveText("None (visibility only)");
  await expect(matrix(page).locator("tr[aria-current='true']")).toHaveAttribute("data-role", "Visibility only (signed in)");
});

test("an internal project lets signed-in people read by visibility and refuses anonymous callers", async ({ page }) => {
  await signIn(page, "carol", permissionsUrl("ml-team/internal-baselines"));
  await expectMatrixAgreesWithDecide(page, "internal", ["Guest", "Planner", "Reporter", "Developer", "Maintainer", "Owner", "Visibility only (signed in)", "Anonymous"]);
  await expect(cell(page, "Visibility only (signed in)", "read")).toHaveAttribute("data-allowed", "true");
  await expect(cell(page, "Anonymous", "read")).toHaveAttribute("data-allowed", "false");
});

test("who has access lists every fixture member of flood-detection under their GitLab role, the viewer marked", async ({ page }) => {
  await signIn(page, "bob", permissionsUrl(FLOOD.path));
  const members = page.getByTestId("members");
  const roles: Record<string, string> = { alice: "Owner", maya: "Maintainer", bob: "Developer", carol: "Reporter", erin: "Planner", dave: "Guest" };
  for (const [username, role] of Object.entries(roles)) await expect(members.locator(`[data-role='${role}'] [data-username='${username}']`), username).toBeVisible();
  await expect(members.locator("[data-username]")).toHaveCount(Object.keys(roles).length);
  await expect(members.locator("[data-username='oscar']")).toHaveCount(0);
  await expect(members.locator("[aria-current='true']")).toHaveAttribute("data-username", "bob");
  expect(await members.locator("section[data-role]").evaluateAll((s) => s.map((e) => e.getAttribute("data-role")))).toEqual(["Owner", "Maintainer", "Developer", "Reporter", "Planner", "Guest"]);
});
