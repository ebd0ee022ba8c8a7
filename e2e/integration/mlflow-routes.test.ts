import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { ensureMlflowVenv } from "../../infra/local/tools.ts";

// The route table is checked against lib/gateway/mlflow-routes.json; this keeps
// that file equal to what the pinned MLflow actually serves, so a pin bump that
// adds, removes or changes a route fails here until the inventory is regenerated
// (and then the unit suite fails until the table classifies it).

const run = promisify(execFile);
let served: unknown;
let committed: unknown;

beforeAll(async () => {
  const venv = await ensureMlflowVenv();
  const { stdout } = await run(path.join(venv, "bin", "python"), [path.join(REPO_ROOT, "infra", "mlflow", "list_routes.py")], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  served = JSON.parse(stdout);
  committed = JSON.parse(await readFile(path.join(REPO_ROOT, "lib", "gateway", "mlflow-routes.json"), "utf8"));
});

describe("the committed MLflow route inventory", () => {
  it("is exactly what the pinned MLflow server serves", () => {
    expect(committed, "regenerate with infra/mlflow/list_routes.py (see lib/gateway/routes.ts)").toEqual(served);
  });
});
