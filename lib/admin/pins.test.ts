import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MINIO_PIN, MLFLOW_PIN } from "./pins";

const repo = path.resolve(import.meta.dirname, "..", "..");

describe("pins shown on the health page", () => {
  it("name the MLflow release infra/mlflow/requirements.txt pins", () => {
    const requirements = fs.readFileSync(path.join(repo, "infra/mlflow/requirements.txt"), "utf8");
    expect(/^mlflow==(\S+)$/m.exec(requirements)?.[1]).toBe(MLFLOW_PIN);
  });

  it("write MinIO's pinned release the way its admin API reports versions", () => {
    expect(MINIO_PIN).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
