// Generates the Prisma client (lib/generated/prisma) without a database or a
// network: it runs as npm's postinstall on fresh clones and in image builds.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const prismaCli = path.join(path.dirname(createRequire(import.meta.url).resolve("prisma/package.json")), "build/index.js");

const started = performance.now();
const result = spawnSync(process.execPath, [prismaCli, "generate", ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: {
    ...process.env,
    // The CLI would otherwise try to download its native schema engine, which
    // generate does not need. The stub fails loudly if anything does call it.
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? path.join(root, "scripts/prisma-engine-stub.sh"),
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
if (result.error) throw result.error;
if (result.status === 0) console.log(`prisma generate took ${Math.round(performance.now() - started)} ms`);
process.exit(result.status ?? 1);
