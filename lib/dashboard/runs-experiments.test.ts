import { describe, expect, it } from "vitest";
import { experimentNameFilter } from "./runs-experiments";

describe("experiment name search", () => {
  it("searches names case-insensitively anywhere in the name", () => {
    expect(experimentNameFilter(" flood ")).toBe("name ILIKE '%flood%'");
    expect(experimentNameFilter("")).toBeUndefined();
  });

  it("quotes a name holding an apostrophe with double quotes, since MLflow has no escape", () => {
    expect(experimentNameFilter("it's")).toBe(`name ILIKE "%it's%"`);
    expect(experimentNameFilter(`it's "x"`)).toBe(`name ILIKE "%it's x%"`);
  });
});
