import { config, ConfigError } from "./lib/config";

// A bad environment stops the hub at start, with one line naming the variable,
// instead of failing later on a request.
try {
  config();
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.error(e.message);
  process.exit(1);
}
