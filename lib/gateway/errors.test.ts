import { describe, expect, it } from "vitest";
import { mlflowFailure, redactSecrets } from "./errors";

describe("MLflow's own 5xx answers", () => {
  it("are stood in for with MLflow's status and an MLflow-shaped body that names nothing of MLflow's", () => {
    for (const [status, code] of [
      [500, "INTERNAL_ERROR"],
      [502, "INTERNAL_ERROR"],
      [504, "INTERNAL_ERROR"],
      [501, "NOT_IMPLEMENTED"],
      [503, "TEMPORARILY_UNAVAILABLE"],
    ] as const) {
      const e = mlflowFailure(status);
      expect(e.status).toBe(status);
      expect(JSON.parse(e.body())).toEqual({ error_code: code, message: expect.any(String) });
    }
    expect(mlflowFailure(503).headers["retry-after"]).toBe("5");
  });
});

describe("log lines of MLflow's failures", () => {
  it("mask the credentials a database or store error can carry", () => {
    const text = [
      "(psycopg2.OperationalError) connection to postgresql://mlflow:s3cr3t-pw@db.internal:5432/mlflow failed",
      "dsn: host=db.internal password=hunter2 dbname=mlflow",
      "s3://AKIAEXAMPLE:wJalrXUtnFEMI@minio:9000/bucket",
      'aws_secret_access_key = "abc/def+ghi"',
    ].join("\n");
    const out = redactSecrets(text);
    for (const secret of ["s3cr3t-pw", "hunter2", "wJalrXUtnFEMI", "abc/def+ghi"]) expect(out).not.toContain(secret);
    // What an operator needs to find the fault stays.
    expect(out).toContain("db.internal:5432/mlflow");
    expect(out).toContain("connection to postgresql://***@");
  });
});
