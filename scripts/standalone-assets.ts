// `next build` leaves static files outside the standalone folder (a CDN could serve
// them); the hub serves them itself, so they go next to server.js.
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const standalone = path.join(root, ".next", "standalone");
fs.cpSync(path.join(root, ".next", "static"), path.join(standalone, ".next", "static"), { recursive: true });
if (fs.existsSync(path.join(root, "public"))) fs.cpSync(path.join(root, "public"), path.join(standalone, "public"), { recursive: true });
// The build copies the env file it saw; the server must take its configuration from its own environment.
fs.rmSync(path.join(standalone, ".env"), { force: true });
