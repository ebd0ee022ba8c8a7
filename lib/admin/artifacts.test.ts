import { describe, expect, it } from "vitest";
import { artifactPrefixes } from "./artifacts";

describe("artifactPrefixes", () => {
  it("widens served experiment folders to the workspace's folder, once", () => {
    const exps = [
      { experiment_id: "1", artifact_location: "mlflow-artifacts:/workspaces/gitlab-101/1" },
      { experiment_id: "7", artifact_location: "mlflow-artifacts:/workspaces/gitlab-101/7" },
    ];
    expect(artifactPrefixes(exps, "mlflow-artifacts")).toEqual(["workspaces/gitlab-101/"]);
  });

  it("keeps a custom location in the bucket as it is and drops nested duplicates", () => {
    const exps = [
      { experiment_id: "1", artifact_location: "s3://mlflow-artifacts/custom/place" },
      { experiment_id: "2", artifact_location: "s3://mlflow-artifacts/custom/place/inner" },
      { experiment_id: "3", artifact_location: "mlflow-artifacts://host/workspaces/gitlab-5/3" },
    ];
    expect(artifactPrefixes(exps, "mlflow-artifacts")).toEqual(["custom/place/", "workspaces/gitlab-5/"]);
  });

  it("ignores other buckets, other schemes and the bucket's root", () => {
    const exps = [
      { experiment_id: "1", artifact_location: "s3://elsewhere/x/1" },
      { experiment_id: "2", artifact_location: "file:///tmp/mlruns/2" },
      { experiment_id: "3", artifact_location: "mlflow-artifacts:/" },
      { experiment_id: "4" },
    ];
    expect(artifactPrefixes(exps, "mlflow-artifacts")).toEqual([]);
  });
});
