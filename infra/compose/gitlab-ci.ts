// Reads .gitlab-ci.yml for pipeline.test.ts and plays it the way GitLab would for
// one kind of pipeline: the workflow and job rules decide what runs, `extends` and
// the variables resolve as GitLab resolves them, and each job's shell lines run in
// sh with a `docker` on PATH that records its arguments instead of building.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { readRepoFile, REPO_ROOT } from "./compose-file.ts";

export interface Rule {
  if?: string;
  when?: string;
  variables?: Record<string, string>;
}

export interface Job {
  stage?: string;
  image?: string | { name: string };
  services?: (string | { name: string })[];
  variables?: Record<string, string>;
  rules?: Rule[];
  before_script?: string[];
  script?: string[];
  extends?: string | string[];
}

export interface Pipeline {
  workflow?: { rules?: Rule[] };
  stages?: string[];
  variables?: Record<string, string>;
  [job: string]: unknown;
}

const KEYWORDS = new Set(["workflow", "stages", "variables", "default", "include", "image", "services", "cache", "before_script", "after_script"]);

/** A job's keywords, as GitLab's CI/CD YAML reference lists them. */
export const JOB_KEYWORDS = new Set([
  "after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage", "dast_configuration",
  "dependencies", "environment", "extends", "hooks", "id_tokens", "identity", "image", "inherit",
  "interruptible", "manual_confirmation", "needs", "pages", "parallel", "release", "resource_group",
  "retry", "rules", "run", "script", "secrets", "services", "stage", "tags", "timeout", "trigger",
  "variables", "when",
]);

export const loadPipeline = (): Pipeline => YAML.parse(readRepoFile(".gitlab-ci.yml")) as Pipeline;

/** Job names: every top-level key that is not a keyword or a hidden (`.`) template. */
export const jobNames = (ci: Pipeline) => Object.keys(ci).filter((k) => !KEYWORDS.has(k) && !k.startsWith("."));

// GitLab's `extends`: hashes merge key by key, anything else is replaced.
function merge(base: unknown, over: unknown): unknown {
  if (!isHash(base) || !isHash(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}
const isHash = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

export function resolveJob(ci: Pipeline, name: string): Job {
  const job = ci[name] as Job | undefined;
  if (!job) throw new Error(`.gitlab-ci.yml has no job ${name}`);
  const parents = [job.extends ?? []].flat();
  const merged = parents.reduce<unknown>((acc, parent) => merge(acc, resolveJob(ci, parent)), {});
  const { extends: _, ...own } = job;
  return merge(merged, own) as Job;
}

export const imageName = (image: string | { name: string }) => (typeof image === "string" ? image : image.name);

type Vars = Record<string, string | undefined>;

/** `$VAR` and `${VAR}` in a variable's value, as the runner expands them. */
export const expand = (value: string, vars: Vars) =>
  value.replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (_, a, b) => vars[a ?? b] ?? "");

/**
 * The subset of GitLab's `rules:if` expressions this pipeline uses: `$VAR`,
 * `$VAR == "text"`, `$A == $B`, `!=`, `=~ /regex/`, joined by `&&` or `||`.
 * Anything else throws, so an expression the test cannot read fails it.
 */
export function evaluate(expression: string, vars: Vars): boolean {
  return expression.split("||").some((any) => any.split("&&").every((all) => condition(all.trim(), vars)));
}

function condition(text: string, vars: Vars): boolean {
  const m = /^(\$\w+)(?:\s*(==|!=|=~|!~)\s*(\$\w+|"[^"]*"|'[^']*'|\/.*\/[a-z]*))?$/.exec(text);
  if (!m) throw new Error(`rules:if expression this test cannot read: ${text}`);
  const [, left, operator, right] = m;
  const value = vars[left.slice(1)];
  if (!operator) return !!value;
  if (operator === "=~" || operator === "!~") {
    const [, source, flags] = /^\/(.*)\/([a-z]*)$/.exec(right)!;
    const matches = value !== undefined && new RegExp(source, flags).test(value);
    return operator === "=~" ? matches : !matches;
  }
  const other = right.startsWith("$") ? vars[right.slice(1)] : right.slice(1, -1);
  return operator === "==" ? value === other : value !== other;
}

/**
 * The first rule that matches decides; none matching means the job (or pipeline)
 * does not run. A job without rules gets GitLab's default, `only: [branches, tags]`,
 * so it stays out of merge request pipelines.
 */
export function matchRule(rules: Rule[] | undefined, vars: Vars): Rule | undefined {
  if (!rules) return vars.CI_PIPELINE_SOURCE === "merge_request_event" ? undefined : {};
  const rule = rules.find((r) => r.if === undefined || evaluate(r.if, vars));
  return rule && rule.when !== "never" ? rule : undefined;
}

export interface JobRun {
  variables: Record<string, string>;
  /** Each `docker` command the job's shell lines ran, as its arguments. */
  docker: string[][];
  status: number | null;
  output: string;
}

/** Runs a job's before_script and script as the runner would, with `docker` recorded rather than run. */
export function runJob(ci: Pipeline, name: string, predefined: Record<string, string>): JobRun | undefined {
  const job = resolveJob(ci, name);
  const rule = matchRule(job.rules, predefined);
  if (!rule) return undefined;
  // Precedence: predefined < global < job < rules; each value may name the ones before it.
  const variables: Record<string, string> = { ...predefined };
  for (const layer of [ci.variables, job.variables, rule.variables]) {
    for (const [k, v] of Object.entries(layer ?? {})) variables[k] = expand(String(v), variables);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gitlab-ci-job-"));
  try {
    const log = path.join(dir, "docker.log");
    fs.mkdirSync(path.join(dir, "bin"));
    // One line per call, its arguments separated by US (\037), which no argument holds.
    fs.writeFileSync(path.join(dir, "bin", "docker"), `#!/bin/sh\nprintf '%s\\037' "$@" >>"$DOCKER_LOG"\necho >>"$DOCKER_LOG"\n`, { mode: 0o755 });
    const lines = [...(job.before_script ?? []), ...(job.script ?? [])];
    const run = spawnSync("sh", ["-e", "-c", lines.join("\n")], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      input: "",
      // Only the job's variables, as on a runner: nothing of this machine's environment leaks in
      // (NODE_ENV is there for Next's type of process.env alone; no job line reads it).
      env: { NODE_ENV: "test", ...variables, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, DOCKER_LOG: log },
    });
    const docker = fs.existsSync(log)
      ? fs.readFileSync(log, "utf8").split("\n").filter(Boolean).map((line) => line.split("\x1f").slice(0, -1))
      : [];
    return { variables, docker, status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface BuildxBuild {
  platforms: string[];
  file?: string;
  target?: string;
  tags: string[];
  push: boolean;
  context: string;
}

/** The `docker buildx build` of a job's run, its options read by name. */
export function buildxBuild(run: JobRun): BuildxBuild | undefined {
  const call = run.docker.find((args) => args[0] === "buildx" && args[1] === "build");
  if (!call) return undefined;
  const args = call.slice(2);
  const values = (option: string) => args.flatMap((a, i) => (a === option ? [args[i + 1]] : []));
  return {
    platforms: values("--platform").flatMap((p) => p.split(",")),
    file: values("--file").at(-1),
    target: values("--target").at(-1),
    tags: values("--tag"),
    push: args.includes("--push"),
    context: args.at(-1)!,
  };
}
