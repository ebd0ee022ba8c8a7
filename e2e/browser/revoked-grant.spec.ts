import { expect, test, type Browser, type BrowserContext } from "@playwright/test";
import { FLOOD, signIn } from "./d3-helpers";
import { hubQuery, openedTokens, stackEnv } from "./stack";

// Issue 10: once GitLab stopped accepting a browser's token (the stand-in restarted and forgot
// it, or a real GitLab revoked the hub's grant), the stock MLflow UI answered raw 401 JSON and
// the dashboard a raw error, and the dead hub session stayed usable. Now the session ends and
// the browser is sent to sign in; API callers keep getting MLflow's JSON.

const USER = "carol";
const UI = `/mlflow/${FLOOD.path}/tracking/`;

function standInClient(): string {
  const id = process.env.GITLAB_CLIENT_ID;
  const secret = process.env.GITLAB_CLIENT_SECRET;
  if (!id || !secret) throw new Error("GITLAB_CLIENT_ID and GITLAB_CLIENT_SECRET are not set: run the browser tests through scripts/test");
  return Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");
}

/** A browser signed in as USER that has not used a project yet (no access answer cached for its token). */
async function signedInBrowser(browser: Browser): Promise<{ context: BrowserContext; sessionToken: string }> {
  const context = await browser.newContext({ baseURL: stackEnv("AUTH_URL") });
  await signIn(await context.newPage(), USER, "/status");
  const cookie = (await context.cookies(stackEnv("AUTH_URL"))).find((c) => c.name.endsWith("authjs.session-token"));
  expect(cookie).toBeDefined();
  return { context, sessionToken: cookie!.value };
}

const sessionRow = async (sessionToken: string) => Number((await hubQuery<{ n: string }>("select count(*) as n from sessions where session_token = $1", [sessionToken]))[0].n);

test("after GitLab revokes the hub's grant, the dashboard and the MLflow UI end the session and send the browser to sign in; API calls get MLflow's 401", async ({ browser }) => {
  // Three browsers of one user share the GitLab token the hub stores for that user.
  const dashboard = await signedInBrowser(browser);
  const mlflowUi = await signedInBrowser(browser);
  const uiAjax = await signedInBrowser(browser);
  const [{ access_token: token }] = (
    await hubQuery<{ provider: string; provider_account_id: string; access_token: string }>(
      "select a.provider, a.provider_account_id, a.access_token from accounts a join users u on u.id = a.user_id where u.email like $1 and a.provider = 'gitlab'",
      [`${USER}@%`],
    )
  ).map(openedTokens);

  // The application revokes the token as RFC 7009 (and GitLab) define it: the whole grant goes.
  const revoked = await fetch(`${stackEnv("GITLAB_URL")}/oauth/revoke`, {
    method: "POST",
    headers: { authorization: `Basic ${standInClient()}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, token_type_hint: "access_token" }),
  });
  expect(revoked.status).toBe(200);
  expect((await fetch(`${stackEnv("GITLAB_URL")}/api/v4/user`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

  // A dashboard page.
  const page = await dashboard.context.newPage();
  await page.goto(`/projects/${FLOOD.path}`);
  await expect(page).toHaveURL(`/signin?callbackUrl=${encodeURIComponent(`/projects/${FLOOD.path}`)}&reason=expired`);
  await expect(page.getByText("Your GitLab session has ended: sign in again.")).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/screenshots/revoked-grant-sign-in.png", fullPage: true });
  expect(await sessionRow(dashboard.sessionToken)).toBe(0);
  expect(await sessionRow(mlflowUi.sessionToken)).toBe(1);

  // The UI's own ajax calls, with a session whose token is dead: MLflow-shaped JSON, and the session ends.
  const ajax = await uiAjax.context.request.get(`${UI}ajax-api/2.0/mlflow/experiments/search?max_results=1`, { headers: { accept: "application/json" }, maxRedirects: 0 });
  expect(ajax.status()).toBe(401);
  expect(ajax.headers()["content-type"]).toContain("application/json");
  expect(await ajax.json()).toEqual({ error_code: "UNAUTHENTICATED", message: "GitLab did not accept the token: it is unknown, expired or revoked." });
  expect(await sessionRow(uiAjax.sessionToken)).toBe(0);

  // The SDK with the revoked token, even asking for HTML: 401 JSON, never a redirect.
  for (const accept of ["application/json", "text/html"]) {
    const sdk = await fetch(`${stackEnv("AUTH_URL")}${UI}api/2.0/mlflow/experiments/search?max_results=1`, { headers: { authorization: `Bearer ${token}`, accept }, redirect: "manual" });
    expect(sdk.status, accept).toBe(401);
    expect(await sdk.json()).toMatchObject({ error_code: "UNAUTHENTICATED" });
  }

  // The stock MLflow UI's HTML entry; signing in again (last: it gives every session of the user a live token again) comes back to it.
  const ui = await mlflowUi.context.newPage();
  await ui.goto(UI);
  await expect(ui).toHaveURL(`/signin?callbackUrl=${encodeURIComponent(UI)}&reason=expired`);
  expect(await sessionRow(mlflowUi.sessionToken)).toBe(0);
  await ui.getByRole("button", { name: "Sign in with GitLab" }).click();
  // The stand-in still knows this browser: no login form, a fresh grant, back to the UI.
  await expect(ui).toHaveURL(new RegExp(`${UI}\\?workspace=gitlab-${FLOOD.id}`));

  for (const b of [dashboard, mlflowUi, uiAjax]) await b.context.close();
});
