import { describe, expect, it } from "vitest";
import { modelFileRoute } from "./files";

describe("modelFileRoute", () => {
  it("a runs:/ source is read from the run's artifacts", () => {
    expect(modelFileRoute("m", "1", "runs:/abc123/model", "MLmodel")).toBe("get-artifact?run_uuid=abc123&path=model%2FMLmodel");
    expect(modelFileRoute("m", "1", "runs:/abc123", "MLmodel")).toBe("get-artifact?run_uuid=abc123&path=MLmodel");
  });

  it("a logged model (models:/) goes through model-versions/get-artifact, names encoded", () => {
    expect(modelFileRoute("Flood model (101)", "3", "models:/m-1", "model.skops")).toBe("model-versions/get-artifact?name=Flood%20model%20(101)&version=3&path=model.skops");
  });

  it("a run id that is not one falls back to the registry route, which the gateway checks", () => {
    expect(modelFileRoute("m", "1", "runs:/../x/model", "MLmodel")).toMatch(/^model-versions\/get-artifact/);
  });
});
