import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/paths.ts";
import { FLOOD, must, TOKENS, tracking } from "./conformance/hub.ts";

// The mlflow-hub command (package bin) against the stack scripts/test starts,
// run as an administrator would: a child process reading the hub's environment.

const BIN = path.join(REPO_ROOT, "bin", "mlflow-hub.mjs");
const COMMANDS = ["status", "projects", "experiments", "models", "export", "gc", "backup", "restore", "migrate-sharinghub"];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string | undefined> = process.env): Promise<Result> {
  return new Promise((resolve, reject) => {
    // From a scratch folder: the command must not depend on being started in the repository.
    const child = spawn(process.execPath, [BIN, ...args], { cwd: os.tmpdir(), env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const marker = `cli-${randomBytes(4).toString("hex")}`;
const api = (rest: string) => `${tracking(FLOOD.path)}/api/2.0/mlflow/${rest}`;
const asAlice = (rest: string, body: unknown) => must({ method: "POST", path: api(rest), token: TOKENS.alice, body });
const planted = { experimentId: "", deletedExperimentId: "", runId: "", artifact: randomBytes(64 * 1024), model: `${marker}-model` };

beforeAll(async () => {
  planted.experimentId = (await asAlice("experiments/create", { name: `${marker}-experiment` })).experiment_id;
  const run = await asAlice("runs/create", { experiment_id: planted.experimentId, tags: [{ key: "team", value: marker }] });
  planted.runId = run.run.info.run_id;
  await asAlice("runs/log-batch", {
    run_id: planted.runId,
    params: [{ key: "lr", value: "0.01" }],
    metrics: [0, 1, 2].map((step) => ({ key: "loss", value: 1 / (step + 1), timestamp: 1_700_000_000_000 + step, step })),
  });
  const root = (run.run.info.artifact_uri as string).replace(/^mlflow-artifacts:\//, "");
  await must({ method: "PUT", path: `${tracking(FLOOD.path)}/api/2.0/mlflow-artifacts/artifacts/${root}/weights/model.bin`, token: TOKENS.alice, body: planted.artifact, headers: { "content-type": "application/octet-stream" } });
  await asAlice("registered-models/create", { name: planted.model });
  await asAlice("model-versions/create", { name: planted.model, source: `mlflow-artifacts:/${root}/weights`, run_id: planted.runId });
  planted.deletedExperimentId = (await asAlice("experiments/create", { name: `${marker}-deleted` })).experiment_id;
  await asAlice("experiments/delete", { experiment_id: planted.deletedExperimentId });
});

describe("mlflow-hub --help and usage errors", () => {
  it("lists every command, and each command explains itself with --help", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    for (const c of COMMANDS) expect(top.stdout).toMatch(new RegExp(`^  ${c}\\b`, "m"));
    const each = await Promise.all(COMMANDS.map((c) => cli([c, "--help"])));
    each.forEach((r, i) => {
      expect(r.code, COMMANDS[i]).toBe(0);
      expect(r.stdout, COMMANDS[i]).toContain(`Usage: mlflow-hub ${COMMANDS[i]}`);
    });
  });

  it("exits 2 with usage for no command, an unknown one, a missing argument or a bad option value", async () => {
    const cases = [[], ["frobnicate"], ["experiments"], ["export", "ml-team/flood-detection"], ["gc", "--older-than", "3 weeks"], ["gc", "--timeout", "0"], ["backup"], ["migrate-sharinghub", "mlflow.db"]];
    const results = await Promise.all(cases.map((args) => cli(args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i].join(" ")).toBe(2);
      expect(r.stderr + r.stdout, cases[i].join(" ")).toMatch(/Usage: mlflow-hub|error: /);
    });
  });

  it("exits 1 naming the variable when the hub's configuration is incomplete", async () => {
    const { AUTH_SECRET: _, ...withoutSecret } = process.env;
    const r = await cli(["projects"], withoutSecret);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("AUTH_SECRET is required");
  });
});

describe("mlflow-hub status", () => {
  it("reports every dependency healthy and the garbage collection settings", async () => {
    const r = await cli(["status"]);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ["hub database", "MLflow", "MinIO", "GitLab"]) expect(r.stdout).toMatch(new RegExp(`^${name}\\s+ok\\s`, "m"));
    expect(r.stdout).toContain("garbage collection:");
  });

  it("exits 1 and says which dependency is down", async () => {
    const r = await cli(["status", "--json"], { ...process.env, MLFLOW_URL: "http://127.0.0.1:9" });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout) as { dependencies: { name: string; ok: boolean }[] };
    expect(body.dependencies.find((d) => d.name === "MLflow")?.ok).toBe(false);
    expect(body.dependencies.find((d) => d.name === "MinIO")?.ok).toBe(true);
  });
});

describe("mlflow-hub projects, experiments, models", () => {
  it("lists the projects that have an MLflow with their GitLab path and counts", async () => {
    const table = await cli(["projects"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+PATH\s+EXPERIMENTS\s+RUNS\s+MODELS\s+LAST ACTIVITY$/m);
    expect(table.stdout).toMatch(new RegExp(`^${FLOOD.id}\\s+${FLOOD.path}\\s+\\d+`, "m"));
    const rows = JSON.parse((await cli(["projects", "--json"])).stdout) as { projectId: number; path: string; experiments: number; runs: number; registeredModels: number }[];
    const flood = rows.find((r) => r.projectId === FLOOD.id)!;
    expect(flood.path).toBe(FLOOD.path);
    expect(flood.experiments).toBeGreaterThanOrEqual(1);
    expect(flood.runs).toBeGreaterThanOrEqual(1);
    expect(flood.registeredModels).toBeGreaterThanOrEqual(1);
  });

  it("lists a project's experiments by path or by id, deleted ones only with --all", async () => {
    const byPath = await cli(["experiments", FLOOD.path]);
    expect(byPath.code, byPath.stderr).toBe(0);
    expect(byPath.stdout).toMatch(new RegExp(`^${planted.experimentId}\\s+${marker}-experiment\\s+active`, "m"));
    expect(byPath.stdout).not.toContain(`${marker}-deleted`);
    expect((await cli(["experiments", String(FLOOD.id)])).stdout).toBe(byPath.stdout);
    const all = JSON.parse((await cli(["experiments", FLOOD.path, "--all", "--json"])).stdout) as { name: string; lifecycle_stage: string }[];
    expect(all.find((e) => e.name === `${marker}-deleted`)?.lifecycle_stage).toBe("deleted");
  });

  it("lists a project's registered models with their latest versions", async () => {
    const r = await cli(["models", FLOOD.path]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^${planted.model}\\s+v1 \\(None\\)`, "m"));
  });

  it("exits 1 with a clear message for a project GitLab does not know, one without an MLflow, and a malformed one", async () => {
    const cases: [string, string][] = [
      ["nobody/nothing", "GitLab has no project nobody/nothing"],
      ["987654", "project 987654 has no MLflow yet (no workspace gitlab-987654)"],
      ["not a project!", "is neither a project path (group/project) nor a numeric project id"],
    ];
    for (const [ref, message] of cases) {
      const r = await cli(["models", ref]);
      expect(r.code, ref).toBe(1);
      expect(r.stderr, ref).toContain(message);
    }
  });
});

describe("mlflow-hub export", () => {
  it("writes each run's params, tags and full metric history as JSON beside its artifacts, and the registered models", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mlflow-hub-export-"));
    const out = path.join(dir, "flood");
    const r = await cli(["export", FLOOD.path, out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^exported ml-team\/flood-detection to .*: \d+ experiments, \d+ runs/);
    const runDir = path.join(out, "experiments", planted.experimentId, "runs", planted.runId);
    const run = JSON.parse(fs.readFileSync(path.join(runDir, "run.json"), "utf8"));
    expect(run.params).toEqual({ lr: "0.01" });
    expect(run.tags).toMatchObject({ team: marker });
    expect(run.metrics.loss).toEqual([0, 1, 2].map((step) => ({ step, timestamp: 1_700_000_000_000 + step, value: 1 / (step + 1) })));
    expect(fs.readFileSync(path.join(runDir, "artifacts", "weights", "model.bin")).equals(planted.artifact)).toBe(true);
    const models = JSON.parse(fs.readFileSync(path.join(out, "models.json"), "utf8")) as { name: string; versions: { version: string; run_id: string }[] }[];
    expect(models.find((m) => m.name === planted.model)?.versions).toMatchObject([{ version: "1", run_id: planted.runId }]);
    expect(fs.existsSync(path.join(out, "experiments", planted.deletedExperimentId))).toBe(false);

    const again = await cli(["export", FLOOD.path, out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("is not empty");
  });
});

describe("mlflow-hub gc", () => {
  it("runs a garbage collection through the worker, waits for it, and shows it in the history", async () => {
    const r = await cli(["gc", "--older-than", "30d"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^succeeded: removed \d+ runs and \d+ experiments/);
    const history = JSON.parse((await cli(["gc", "--history", "1", "--json"])).stdout) as { trigger: string; olderThan: string; status: string }[];
    expect(history).toEqual([expect.objectContaining({ trigger: "cli", olderThan: "30d", status: "succeeded" })]);
  });

  it("shows what awaits purge per workspace without purging it", async () => {
    const r = await cli(["gc", "--pending", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const pending = JSON.parse(r.stdout) as { workspace: string; deletedExperiments: number }[];
    expect(pending.find((p) => p.workspace === FLOOD.workspace)?.deletedExperiments).toBeGreaterThanOrEqual(1);
  });
});

describe("mlflow-hub restore", () => {
  it("exits 1 for a folder that is not a backup", async () => {
    const r = await cli(["restore", os.tmpdir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("is not a backup: it has no manifest.json");
  });
});
