import { describe, expect, it } from "vitest";
import { routeTable } from "@/lib/gateway/routes";
import { movesServedVersion, REGISTRY_WRITES } from "./registry-writes";

describe("writes that can move an endpoint's version", () => {
  it("names only routes of the table that write, under both /api/ and /ajax-api/", () => {
    for (const rest of REGISTRY_WRITES) {
      for (const prefix of ["/api/", "/ajax-api/"]) {
        const entries = routeTable.filter((e) => e.path === `${prefix}${rest}` && e.action !== "read");
        expect(entries.length, `${prefix}${rest}`).toBeGreaterThan(0);
        expect(movesServedVersion(`${prefix}${rest}`)).toBe(true);
      }
    }
  });

  it("leaves out a run's writes and the registry's descriptive ones", () => {
    for (const route of ["/api/2.0/mlflow/runs/log-batch", "/api/2.0/mlflow/runs/log-metric", "/api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>", "/api/2.0/mlflow/registered-models/set-tag", "/api/2.0/mlflow/model-versions/update", "/ajax-api/2.0/mlflow/registered-models/update"]) {
      expect(movesServedVersion(route), route).toBe(false);
    }
  });
});
