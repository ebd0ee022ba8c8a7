// Bundles hub-server.ts (the HTTP server in front of Next, with the gateway) into
// .next/standalone/hub-server.mjs, and copies the node_modules files it needs that
// Next's own trace did not already put there. Runs after `next build`.
import fs from "node:fs";
import path from "node:path";
import { nodeFileTrace } from "@vercel/nft";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const standalone = path.join(root, ".next", "standalone");
const outfile = path.join(standalone, "hub-server.mjs");

await build({
  entryPoints: [path.join(root, "hub-server.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Packages stay external: shared with Next's server at run time (one prom-client registry, one pg).
  packages: "external",
  tsconfig: path.join(root, "tsconfig.json"),
  banner: { js: "import { createRequire as __hubCreateRequire } from 'node:module'; const require = __hubCreateRequire(import.meta.url);" },
  logLevel: "warning",
});

// Trace from the repository (where node_modules is complete), then copy what is missing.
const traced = path.join(root, ".next", "hub-server.trace.mjs");
fs.copyFileSync(outfile, traced);
const { fileList } = await nodeFileTrace([traced], { base: root });
let copied = 0;
for (const file of fileList) {
  if (!file.startsWith("node_modules/")) continue;
  const target = path.join(standalone, file);
  if (fs.existsSync(target)) continue;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.cpSync(path.join(root, file), target, { dereference: true });
  copied++;
}
fs.rmSync(traced);
console.log(`hub-server.mjs built; ${copied} files added to the standalone node_modules`);
