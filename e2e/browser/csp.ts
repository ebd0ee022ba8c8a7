import type { Page } from "@playwright/test";

/**
 * Every Content-Security-Policy violation the page's documents report, across navigations: each
 * `securitypolicyviolation` event (through a binding, which CSP does not govern) and each console
 * message Chromium writes for one (those of workers, which fire no event in the page).
 */
export async function watchCsp(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeBinding("__reportCspViolation", ({ frame }, v: { directive: string; blocked: string; sample: string }) => {
    violations.push(`${frame.url()}: ${v.directive} blocked ${v.blocked || "inline"} ${v.sample}`.trim());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __reportCspViolation: (v: unknown) => void }).__reportCspViolation({ directive: e.effectiveDirective, blocked: e.blockedURI, sample: e.sample });
    });
  });
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`console: ${m.text()}`);
  });
  return violations;
}

/** The classic stored-XSS payload, planted in the live page: whether its handler ran. */
export async function injectedMarkupRuns(page: Page): Promise<boolean> {
  await page.evaluate(() => {
    delete (window as unknown as { __injected?: boolean }).__injected;
    document.body.insertAdjacentHTML("beforeend", `<img src="data:," onerror="window.__injected = true" alt="">`);
  });
  await page.waitForTimeout(300);
  return page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected === true);
}
