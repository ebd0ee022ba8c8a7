/**
 * `tsx infra/gitlab-dev/main.ts`: runs the GitLab stand-in as configured by GITLAB_DEV_* variables
 * (see README.md). Start-up problems end the process with one line naming the culprit.
 */
import { ConfigError, readConfig } from "./config.ts";
import { startGitLabDev, type GitLabDev } from "./server.ts";
import { FixtureError } from "./world.ts";

function fail(line: string): never {
  console.error(line);
  process.exit(1);
}

let options;
try {
  options = readConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(`Invalid configuration: ${error.message}`);
  throw error;
}

let gitlab: GitLabDev;
try {
  gitlab = await startGitLabDev({ ...options, log: (line) => console.log(line) });
} catch (error) {
  if (error instanceof FixtureError) fail(`GITLAB_DEV_FIXTURE ${options.fixturePath}: ${error.message}`);
  if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    fail(`GITLAB_DEV_PORT ${options.port} is already in use on ${options.host}`);
  }
  throw error;
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    gitlab.close().then(
      () => process.exit(0),
      (error: unknown) => fail(`could not stop cleanly: ${(error as Error).message}`),
    );
  });
}
