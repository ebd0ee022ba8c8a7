import { describe, expect, it } from "vitest";
import { interpolate, isPinned, loadCompose, readRepoFile } from "./compose-file.ts";
import { buildxBuild, evaluate, imageName, JOB_KEYWORDS, jobNames, loadPipeline, matchRule, resolveJob, runJob } from "./gitlab-ci.ts";

const ci = loadPipeline();
const { services } = loadCompose();
const pkg = JSON.parse(readRepoFile("package.json")) as { version: string };

// The project on gitlab.com that docker-compose.yml pulls from by default.
const REGISTRY_IMAGE = "registry.gitlab.com/mlflow-hub/mlflow-hub";
const SHA = "0a1b2c3d";
const common = {
  CI_DEFAULT_BRANCH: "main",
  CI_COMMIT_SHORT_SHA: SHA,
  CI_REGISTRY: "registry.gitlab.com",
  CI_REGISTRY_IMAGE: REGISTRY_IMAGE,
  CI_REGISTRY_USER: "gitlab-ci-token",
  CI_REGISTRY_PASSWORD: "job-token",
};
// What GitLab predefines in each kind of pipeline (CI_COMMIT_BRANCH is absent from merge request pipelines).
const pipelines = {
  mergeRequest: { ...common, CI_PIPELINE_SOURCE: "merge_request_event", CI_MERGE_REQUEST_IID: "7", CI_COMMIT_REF_NAME: "Feature/X", CI_COMMIT_REF_SLUG: "feature-x" },
  defaultBranch: { ...common, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main", CI_COMMIT_REF_NAME: "main", CI_COMMIT_REF_SLUG: "main" },
  branch: { ...common, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "Feature/X", CI_COMMIT_REF_NAME: "Feature/X", CI_COMMIT_REF_SLUG: "feature-x" },
  branchWithMergeRequest: { ...common, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "Feature/X", CI_COMMIT_REF_SLUG: "feature-x", CI_OPEN_MERGE_REQUESTS: "mlflow-hub/mlflow-hub!7" },
  release: { ...common, CI_PIPELINE_SOURCE: "push", CI_COMMIT_TAG: pkg.version, CI_COMMIT_REF_NAME: pkg.version, CI_COMMIT_REF_SLUG: pkg.version.replaceAll(".", "-") },
};

/** The image jobs: those that run `docker buildx build`, with what they build in a pipeline. */
function builds(predefined: Record<string, string>) {
  return jobNames(ci).flatMap((name) => {
    const run = runJob(ci, name, predefined);
    const build = run && buildxBuild(run);
    if (!build) return [];
    expect(run.status, `${name}\n${run.output}`).toBe(0);
    return [{ name, run, build }];
  });
}

/** The compose services built from this repository, with the image reference they pull by default. */
const composeImages = Object.entries(services)
  .filter(([, s]) => s.build)
  .map(([name, s]) => ({ name, image: interpolate(s.image ?? "", {}), build: s.build! }));

describe("the pipeline's rules", () => {
  it("reads the rule expressions the way GitLab does", () => {
    const vars = { A: "x", B: "x", EMPTY: "", TAG: "0.1.0" };
    expect([evaluate("$A", vars), evaluate("$EMPTY", vars), evaluate("$UNSET", vars)]).toEqual([true, false, false]);
    expect([evaluate('$A == "x"', vars), evaluate("$A == $B", vars), evaluate("$A != $B", vars)]).toEqual([true, true, false]);
    expect([evaluate("$TAG =~ /^\\d+\\.\\d+\\.\\d+$/", vars), evaluate("$A =~ /^\\d+$/", vars)]).toEqual([true, false]);
    expect([evaluate("$A && $EMPTY", vars), evaluate("$EMPTY || $A", vars)]).toEqual([false, true]);
    expect(() => evaluate("($A)", vars)).toThrow(/cannot read/);
  });

  it("spells every job keyword as GitLab does, so none is silently ignored", () => {
    const jobs = Object.keys(ci).filter((k) => !["workflow", "stages", "variables"].includes(k));
    for (const name of jobs) for (const key of Object.keys(ci[name] as object)) expect(JOB_KEYWORDS.has(key), `${name}: ${key}`).toBe(true);
  });

  it("runs a pipeline for merge requests, branches and tags, but not a branch pipeline beside its merge request's", () => {
    const runs = Object.fromEntries(Object.entries(pipelines).map(([kind, vars]) => [kind, !!matchRule(ci.workflow?.rules, vars)]));
    expect(runs).toEqual({ mergeRequest: true, defaultBranch: true, branch: true, branchWithMergeRequest: false, release: true });
  });

  it("runs the test command in every pipeline, before any image is built", () => {
    const test = resolveJob(ci, "test");
    expect(test.script).toEqual(["./scripts/test"]);
    for (const [kind, vars] of Object.entries(pipelines)) expect(matchRule(test.rules, vars), kind).toBeDefined();
    expect(ci.stages).toEqual(["test", "images"]);
    expect(test.stage).toBe("test");
    for (const { name } of builds(pipelines.branch)) expect(resolveJob(ci, name).stage, name).toBe("images");
  });
});

describe("the images it publishes", () => {
  it("builds every image in merge requests for amd64 and arm64 and pushes none", () => {
    const mr = builds(pipelines.mergeRequest);
    expect(mr.map((b) => b.name).sort()).toEqual(["image:hub", "image:mlflow", "image:ops", "image:serving", "image:tools"]);
    for (const { name, build } of mr) {
      expect(build.platforms.sort(), name).toEqual(["linux/amd64", "linux/arm64"]);
      expect(build.push, name).toBe(false);
      expect(build.tags, name).toEqual([]);
    }
  });

  it("publishes <branch slug>-<short sha> from a branch, and latest too from the default branch", () => {
    for (const { name, build } of builds(pipelines.branch)) {
      expect(build.push, name).toBe(true);
      expect(build.tags, name).toEqual([`${REGISTRY_IMAGE}/${name.replace("image:", "")}:feature-x-${SHA}`]);
    }
    for (const { name, build } of builds(pipelines.defaultBranch)) {
      expect(build.push, name).toBe(true);
      const repository = `${REGISTRY_IMAGE}/${name.replace("image:", "")}`;
      expect(build.tags.sort(), name).toEqual([`${repository}:latest`, `${repository}:main-${SHA}`]);
    }
  });

  it("publishes a release tag as its version only, and refuses a version tag that is not package.json's", () => {
    for (const { name, build } of builds(pipelines.release)) {
      expect(build.push, name).toBe(true);
      expect(build.tags, name).toEqual([`${REGISTRY_IMAGE}/${name.replace("image:", "")}:${pkg.version}`]);
    }
    const other = { ...pipelines.release, CI_COMMIT_TAG: "99.0.0", CI_COMMIT_REF_NAME: "99.0.0" };
    const run = runJob(ci, "image:hub", other)!;
    expect(run.status).not.toBe(0);
    expect(run.output).toContain("tag 99.0.0 is not package.json's version");
    expect(run.docker.some((args) => args[0] === "buildx" && args[1] === "build")).toBe(false);
    expect(runJob(ci, "image:hub", { ...pipelines.release, CI_COMMIT_TAG: "docs-2026" })).toBeUndefined();
  });

  it("logs in to the project's registry and installs arm64 emulation before it builds", () => {
    const [{ run }] = builds(pipelines.defaultBranch);
    const calls = run.docker.map((args) => args.slice(0, 2).join(" "));
    expect(run.docker[0]).toEqual(["login", "--username", common.CI_REGISTRY_USER, "--password-stdin", common.CI_REGISTRY]);
    const binfmt = run.docker.find((args) => args[0] === "run")!;
    expect(binfmt.slice(-2)).toEqual(["--install", "arm64"]);
    expect(calls.indexOf("buildx create")).toBeLessThan(calls.indexOf("buildx build"));
  });

  it("builds each image compose builds, under the repository and tag compose pulls, from the same context and target", () => {
    expect(composeImages.map((c) => c.name).sort()).toEqual(["gitlab-dev", "hub", "migrate", "mlflow", "mlflow-gc", "ops", "serving"]);
    const release = builds(pipelines.release);
    for (const { name, image, build } of composeImages) {
      expect(image, `${name}: image`).toMatch(new RegExp(`^${REGISTRY_IMAGE}/[a-z]+:${pkg.version.replaceAll(".", "\\.")}$`));
      const job = release.find((b) => b.build.tags.includes(image));
      expect(job, `${name}: no job publishes ${image}`).toBeDefined();
      expect(job!.build.context, name).toBe(build.context);
      expect(job!.build.file, name).toBe(`${build.context}/${build.dockerfile ?? "Dockerfile"}`);
      expect(job!.build.target, name).toBe(build.target);
    }
  });

  it("pins every image the pipeline runs", () => {
    const images = jobNames(ci).flatMap((name) => {
      const job = resolveJob(ci, name);
      return [job.image, ...(job.services ?? [])].filter((i) => i !== undefined).map(imageName);
    });
    const run = runJob(ci, "image:hub", pipelines.defaultBranch)!;
    images.push(run.variables.BINFMT_IMAGE, run.variables.BUILDKIT_IMAGE);
    expect(images).toContain("docker:29.7.2-dind");
    for (const image of images) expect(isPinned(image), image).toBe(true);
    const builder = run.docker.find((args) => args[0] === "buildx" && args[1] === "create")!;
    expect(builder).toContain(`image=${run.variables.BUILDKIT_IMAGE}`);
  });
});
