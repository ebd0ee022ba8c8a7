import { defineConfig } from "@playwright/test";
import base from "../../playwright.config.ts";

// The stock MLflow UI spec of the local stack, unchanged, against the compose appliance
// (scripts/test-appliance): signed in through Traefik and the GitLab stand-in. Chromium
// trusts exactly the certificate the suite gave Traefik (its key's SPKI hash).
const spki = process.env.APPLIANCE_SPKI;
if (!spki) throw new Error("APPLIANCE_SPKI is not set: run the appliance suite through scripts/test-appliance");

export default defineConfig({
  ...base,
  testDir: "../browser",
  testMatch: ["mlflow-ui.spec.ts"],
  outputDir: "../artifacts/appliance-results",
  use: {
    ...base.use,
    baseURL: process.env.APPLIANCE_URL,
    launchOptions: { ...base.use?.launchOptions, args: [...(base.use?.launchOptions?.args ?? []), `--ignore-certificate-errors-spki-list=${spki}`] },
  },
});
