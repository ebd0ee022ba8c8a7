// Reads docker-compose.yml, .env.example and the Dockerfiles for the tests beside
// this file, and evaluates Compose's variable interpolation, which no Docker
// engine is here to do.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import YAML from "yaml";

export const REPO_ROOT = path.resolve(import.meta.dirname, "..", "..");

export const readRepoFile = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

export interface DependsOn {
  condition: string;
}

export interface Healthcheck {
  test: string[];
}

export interface Service {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string };
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, DependsOn>;
  restart?: string;
  logging?: { driver: string; options?: Record<string, string> };
  profiles?: string[];
}

export interface ComposeFile {
  name: string;
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean }>;
  volumes: Record<string, unknown>;
}

export const loadCompose = (): ComposeFile => YAML.parse(readRepoFile("docker-compose.yml")) as ComposeFile;

export const networksOf = (s: Service): string[] => (Array.isArray(s.networks) ? s.networks : Object.keys(s.networks ?? {}));

/** A one-shot job: Compose runs it to completion and dependants wait for its exit code. */
export const isOneShot = (s: Service) => s.restart === "no";

/** At least major.minor (15.18, v3.6.14, 20.20.2-bookworm-slim), a MinIO release stamp, or a digest. */
export function isPinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return !!tag && /^(v?\d+\.\d+(\.\d+)?([-.+][\w.-]+)?|RELEASE\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)$/.test(tag);
}

/** Every string value of a parsed YAML tree (keys are never interpolated, comments are gone). */
export function stringValues(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(stringValues);
  if (node && typeof node === "object") return Object.values(node).flatMap(stringValues);
  return [];
}

/** Names of the variables a string interpolates, nested ones in defaults included; `$$` is a literal dollar. */
export function referencedVariables(value: string): string[] {
  return [...value.replaceAll("$$", "").matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
}

export class InterpolationError extends Error {
  override name = "InterpolationError";
}

type Env = Record<string, string | undefined>;

/**
 * Compose's interpolation as its specification describes it: `${VAR}`, `$VAR`,
 * the `:-` `-` `:?` `?` `:+` `+` forms with nested expressions, `$$` for a dollar,
 * and an empty string for an unset variable. A missing required one throws.
 */
export function interpolate(value: string, env: Env): string {
  let out = "";
  let i = 0;
  while (i < value.length) {
    if (value[i] !== "$") {
      out += value[i++];
      continue;
    }
    if (value[i + 1] === "$") {
      out += "$";
      i += 2;
    } else if (value[i + 1] === "{") {
      const end = closingBrace(value, i + 2);
      out += expand(value.slice(i + 2, end), env);
      i = end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1))?.[0];
      out += name ? (env[name] ?? "") : "$";
      i += 1 + (name?.length ?? 0);
    }
  }
  return out;
}

function closingBrace(value: string, from: number): number {
  let depth = 0;
  for (let j = from; j < value.length; j++) {
    if (value[j] === "$" && value[j + 1] === "{") {
      depth++;
      j++;
    } else if (value[j] === "}") {
      if (depth === 0) return j;
      depth--;
    }
  }
  throw new InterpolationError(`unclosed \${ in ${value}`);
}

function expand(expression: string, env: Env): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expression);
  if (!m) throw new InterpolationError(`invalid interpolation \${${expression}}`);
  const [, name, operator, word = ""] = m;
  const value = env[name];
  const isSet = value !== undefined;
  // With a colon an empty value counts as unset, as in the shell.
  const present = operator?.startsWith(":") ? isSet && value !== "" : isSet;
  switch (operator?.replace(":", "")) {
    case undefined:
      return value ?? "";
    case "-":
      return present ? value! : interpolate(word, env);
    case "+":
      return present ? interpolate(word, env) : "";
    default:
      if (present) return value!;
      throw new InterpolationError(`required variable ${name} is missing a value: ${interpolate(word, env)}`);
  }
}

/** A parsed tree with every string interpolated, as `docker compose config` would print it. */
export function interpolateTree<T>(node: T, env: Env): T {
  if (typeof node === "string") return interpolate(node, env) as T;
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env)) as T;
  if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env)])) as T;
  return node;
}

/** Variable names of an env file, in order. */
export const envFileNames = (text: string) => [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);

export const parseEnvFile = (text: string): Record<string, string> => parseEnv(text) as Record<string, string>;

/** Variables whose comment block in an env file says CHANGE ME: the secrets. */
export function secretNames(text: string): string[] {
  const lines = text.split("\n");
  return lines.flatMap((line, i) => {
    const name = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
    if (!name) return [];
    let j = i - 1;
    while (j >= 0 && lines[j].startsWith("#") && !lines[j].includes("CHANGE ME")) j--;
    return j >= 0 && lines[j].startsWith("#") ? [name] : [];
  });
}

/**
 * The .env an operator writes by following .env.example for a real GitLab: its
 * values, a fresh hex secret wherever it says CHANGE ME, and the application id.
 */
export function filledExampleEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const text = readRepoFile(".env.example");
  const env = parseEnvFile(text);
  for (const name of secretNames(text)) env[name] = randomBytes(24).toString("hex");
  return { ...env, GITLAB_CLIENT_ID: "mlflow-hub", ...overrides };
}
