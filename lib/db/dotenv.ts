import { existsSync } from "node:fs";
import path from "node:path";

/**
 * Loads the repository's `.env` into `process.env` when there is one, without
 * overriding variables already set. Developers may keep one; images and CI set
 * the variables directly, so a missing file is normal.
 */
export function loadDotEnvIfPresent(dir = path.resolve(import.meta.dirname, "../..")): void {
  const file = path.join(dir, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
}
