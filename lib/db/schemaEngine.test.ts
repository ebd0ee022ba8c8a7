import { describe, expect, it } from "vitest";
import { engineWarnings } from "./schemaEngine";

describe("engineWarnings", () => {
  it("passes on the engine's warnings and errors and drops its info and debug lines", () => {
    const lines: string[] = [];
    const log = engineWarnings((line) => lines.push(line));

    log(JSON.stringify({ level: "INFO", fields: { message: "Applying `x`", script: "CREATE TABLE …" } }));
    log(JSON.stringify({ level: "DEBUG", fields: { message: "query" } }));
    log(JSON.stringify({ level: "WARN", fields: { message: "lock is slow" } }));
    log(JSON.stringify({ level: "ERROR", fields: { message: "it broke" } }));
    log("not json");

    expect(lines).toEqual(["schema engine warn: lock is slow", "schema engine error: it broke", "schema engine: not json"]);
  });
});
