// `docker compose down -v`, as an administrator retiring the appliance runs it,
// leaves nothing of the stack behind: no container, network or volume.
import { describe, expect, it } from "vitest";
import { composeOk, PROJECT, run } from "./appliance.ts";

const ofProject = (kind: "container" | "network" | "volume") =>
  run("docker", [kind, "ls", ...(kind === "container" ? ["-a"] : []), "-q", "--filter", `label=com.docker.compose.project=${PROJECT}`]).stdout.trim();
const named = (kind: "network" | "volume") =>
  run("docker", [kind, "ls", "--format", "{{.Name}}"]).stdout.split("\n").filter((n) => n.startsWith(`${PROJECT}_`));

describe("docker compose down -v", () => {
  it("removes every container, network and volume of the project, the one-shot jobs' too", () => {
    expect(ofProject("container")).not.toBe("");
    composeOk(["--profile", "ops", "down", "-v", "--remove-orphans"]);
    expect(ofProject("container")).toBe("");
    expect(ofProject("network")).toBe("");
    expect(ofProject("volume")).toBe("");
    expect(named("network")).toEqual([]);
    expect(named("volume")).toEqual([]);
  });
});
