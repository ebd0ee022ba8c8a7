import { expect, test, type Page } from "@playwright/test";
import { DEMO_PASSWORD, hubQuery, openedTokens, stackEnv } from "./stack";

async function signIn(page: Page, username: string, password: string) {
  await page.goto("/");
  await page.getByRole("button", { name: "Sign in with GitLab" }).click();
  await page.waitForURL((url) => url.origin === new URL(stackEnv("GITLAB_URL")).origin);
  await page.getByLabel("Username or primary email").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Sessions held by a demo user (demo users' e-mails start with their username). */
const sessionsOf = async (username: string) =>
  Number((await hubQuery<{ n: string }>("select count(*) as n from sessions s join users u on u.id = s.user_id where u.email like $1", [`${username}@%`]))[0].n);

test("a demo user signs in through the GitLab stand-in and sees who they are and every dependency healthy", async ({ page }) => {
  await signIn(page, "alice", DEMO_PASSWORD);
  await page.waitForURL(`${stackEnv("AUTH_URL")}/`);
  await expect(page.getByText("Signed in as")).toBeVisible();
  await expect(page.getByTestId("gitlab-username")).toHaveText(" (@alice)");
  await expect(page.getByRole("heading", { name: "Projects" })).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/screenshots/home-signed-in.png", fullPage: true });

  await page.getByRole("link", { name: "Hub status" }).click();
  await expect(page).toHaveURL(/\/status$/);
  await expect(page.getByRole("link", { name: "@alice" })).toBeVisible();
  const rows = page.locator("table[aria-label='Dependency health'] tbody tr");
  await expect(rows).toHaveCount(4);
  for (const name of ["hub database", "MLflow", "MinIO", "GitLab"]) {
    await expect(page.locator(`tr[data-dependency='${name}']`)).toHaveAttribute("data-ok", "true");
  }
  await expect(page.locator("tr[data-dependency='MLflow']")).toContainText("workspaces enabled");
  await page.screenshot({ path: "e2e/artifacts/screenshots/status.png", fullPage: true });
  expect(await sessionsOf("alice")).toBeGreaterThan(0);
});

test("GET /api/auth/session tells page scripts who is signed in, never the session cookie's value or a GitLab token", async ({ page }) => {
  await signIn(page, "alice", DEMO_PASSWORD);
  await expect(page.getByTestId("gitlab-username")).toHaveText(" (@alice)");
  const sessionJson = await page.evaluate(async () => (await fetch("/api/auth/session")).text());
  const cookie = (await page.context().cookies(stackEnv("AUTH_URL"))).find((c) => c.name.endsWith("authjs.session-token"))!;
  const [stored] = await hubQuery<{ provider: string; provider_account_id: string; access_token: string; refresh_token: string }>(
    "select a.provider, a.provider_account_id, a.access_token, a.refresh_token from accounts a join users u on u.id = a.user_id where u.email like 'alice@%' and a.provider = 'gitlab'",
  );
  const tokens = openedTokens(stored);
  const session = JSON.parse(sessionJson) as { user: Record<string, unknown> };
  expect(Object.keys(session).sort()).toEqual(["expires", "user"]);
  expect(Object.keys(session.user).sort()).toEqual(["email", "id", "image", "name"]);
  expect(session.user.email).toBe("alice@example.com");
  for (const secret of [cookie.value, tokens.access_token, tokens.refresh_token, stored.access_token, stored.refresh_token]) expect(sessionJson).not.toContain(secret);
});

test("a wrong password shows the stand-in's error and creates no session", async ({ page, context }) => {
  const before = Number((await hubQuery<{ n: string }>("select count(*) as n from sessions"))[0].n);
  await signIn(page, "carol", "not-her-password");
  await expect(page.getByText("Invalid login or password.")).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/screenshots/stand-in-wrong-password.png", fullPage: true });

  await page.goto("/");
  await expect(page.getByRole("button", { name: "Sign in with GitLab" })).toBeVisible();
  const after = Number((await hubQuery<{ n: string }>("select count(*) as n from sessions"))[0].n);
  expect(after).toBe(before);
  const hubCookies = await context.cookies(stackEnv("AUTH_URL"));
  expect(hubCookies.map((c) => c.name).filter((n) => n.includes("session-token"))).toEqual([]);
});

test("an expired GitLab access token is refreshed on the next page view, and the old one stops working", async ({ page }) => {
  await signIn(page, "bob", DEMO_PASSWORD);
  await expect(page.getByTestId("gitlab-username")).toHaveText(" (@bob)");
  // The project counts call the gateway, which refreshes tokens too: let them finish so this page view is the one that refreshes.
  await expect(page.locator("[aria-busy='true']")).toHaveCount(0);
  const [account] = (
    await hubQuery<{ id: string; provider: string; provider_account_id: string; access_token: string }>(
      "select a.id, a.provider, a.provider_account_id, a.access_token from accounts a join users u on u.id = a.user_id where u.email like 'bob@%' and a.provider = 'gitlab'",
    )
  ).map(openedTokens);
  await hubQuery("update accounts set expires_at = $1 where id = $2", [Math.floor(Date.now() / 1000) - 10, account.id]);

  await page.reload();
  await expect(page.getByTestId("gitlab-username")).toHaveText(" (@bob)");
  const [after] = (
    await hubQuery<{ provider: string; provider_account_id: string; access_token: string; expires_at: number }>("select provider, provider_account_id, access_token, expires_at from accounts where id = $1", [account.id])
  ).map(openedTokens);
  expect(after.access_token).not.toBe(account.access_token);
  expect(after.expires_at).toBeGreaterThan(Date.now() / 1000);
  const old = await fetch(`${stackEnv("GITLAB_URL")}/api/v4/user`, { headers: { authorization: `Bearer ${account.access_token}` } });
  expect(old.status).toBe(401);
});

test("signing out ends the session in the hub's database", async ({ page, context }) => {
  await signIn(page, "dave", DEMO_PASSWORD);
  await expect(page.getByTestId("gitlab-username")).toHaveText(" (@dave)");
  // This browser's own session (other specs may leave dave signed in elsewhere).
  const cookie = (await context.cookies(stackEnv("AUTH_URL"))).find((c) => c.name.endsWith("authjs.session-token"));
  expect(cookie).toBeDefined();
  const sessionRows = async () =>
    Number((await hubQuery<{ n: string }>("select count(*) as n from sessions s join users u on u.id = s.user_id where s.session_token = $1 and u.email like 'dave@%'", [cookie!.value]))[0].n);
  expect(await sessionRows()).toBe(1);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in with GitLab" })).toBeVisible();
  expect(await sessionRows()).toBe(0);
});

test("signing in again replaces a GitLab token that stopped working", async ({ page, context }) => {
  await signIn(page, "erin", DEMO_PASSWORD);
  await expect(page.getByTestId("gitlab-username")).toHaveText(" (@erin)");
  // The project counts call the gateway, which would end the session itself once the token is dead.
  await expect(page.locator("[aria-busy='true']")).toHaveCount(0);
  // As if the user revoked the hub's grant in GitLab: the stored token is now worthless.
  await hubQuery("update accounts set access_token = 'revoked-by-user', expires_at = null where user_id in (select id from users where email like 'erin@%')");
  await page.reload();
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2F&reason=expired$/);
  await expect(page.getByText("Your GitLab session has ended: sign in again.")).toBeVisible();

  // The stand-in would otherwise remember the login and skip its form.
  await context.clearCookies();
  await signIn(page, "erin", DEMO_PASSWORD);
  await expect(page.getByTestId("gitlab-username")).toHaveText(" (@erin)");
  const [account] = await hubQuery<{ provider: string; provider_account_id: string; access_token: string }>(
    "select provider, provider_account_id, access_token from accounts where user_id in (select id from users where email like 'erin@%')",
  );
  expect(account.access_token).toMatch(/^enc:v1:/);
  expect(openedTokens(account).access_token).not.toBe("revoked-by-user");
});
