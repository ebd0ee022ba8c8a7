#!/usr/bin/env node
// The package's `mlflow-hub` command: runs cli/main.ts from source with tsx,
// told where the repository's tsconfig.json is so its "@/…" imports resolve
// from whatever folder the command is started in.
import path from "node:path";
import { register } from "tsx/esm/api";

const root = path.resolve(import.meta.dirname, "..");
register({ tsconfig: path.join(root, "tsconfig.json") });
await import(path.join(root, "cli", "main.ts"));
