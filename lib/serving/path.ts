import { invalid } from "@/lib/gateway/errors";
import { GATEWAY_ROOT, type ProjectRef } from "@/lib/gateway/project-path";

/** What MLflow's scoring server answers besides the list and the endpoint itself. */
export const SCORING_OPERATIONS = ["invocations", "ping", "health", "version"] as const;
export type ScoringOperation = (typeof SCORING_OPERATIONS)[number];

/** A version number, or an alias (MLflow: word characters and dashes). */
export type ModelRef = { kind: "version"; version: string } | { kind: "alias"; alias: string };

export type ServingPath =
  | { kind: "list"; project: ProjectRef }
  | { kind: "endpoint"; project: ProjectRef; model: string; ref: ModelRef; operation?: ScoringOperation };

const GITLAB_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const ALIAS = /^[\w-]{1,255}$/;
const VERSION = /^[1-9][0-9]{0,9}$/;

function projectFrom(segments: string[]): ProjectRef | undefined {
  if (segments.length === 1 && /^[1-9][0-9]{0,15}$/.test(segments[0])) return { kind: "id", id: Number(segments[0]) };
  if (segments.length >= 2 && segments.every((s) => GITLAB_SEGMENT.test(s) && !s.endsWith(".git") && !s.endsWith(".atom"))) return { kind: "path", path: segments.join("/") };
  return undefined;
}

/** A model name as MLflow allows one (no '/' or ':'), decoded from one path segment. */
function modelName(segment: string): string {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    throw invalid("The model name is not valid percent-encoding.");
  }
  if (!name || name === "." || name === ".." || /[/:\\\0]/.test(name) || name.length > 256) throw invalid("Not a registered model name: names cannot contain '/' or ':'.");
  return name;
}

/** `3` is version 3; any other word is an alias, and `@3` the alias named 3 (MLflow allows one). */
export function parseModelRef(segment: string): ModelRef {
  if (VERSION.test(segment)) return { kind: "version", version: segment };
  const alias = segment.startsWith("@") ? segment.slice(1) : segment;
  if (!ALIAS.test(alias) || alias.toLowerCase() === "latest") throw invalid("The endpoint names a model version (a number) or an alias (letters, digits, '_' and '-').");
  return { kind: "alias", alias };
}

export const refText = (ref: ModelRef) => (ref.kind === "version" ? ref.version : /^\d+$/.test(ref.alias) ? `@${ref.alias}` : ref.alias);

/**
 * Splits `/mlflow/<project>/serving/[<model>/<version or alias>[/<operation>]]`. The project ends at
 * the first `serving` segment that leaves a valid project and one of those shapes after it; anything
 * else (tracking URIs included) is not a serving path: undefined.
 */
export function parseServingPath(pathname: string): ServingPath | undefined {
  if (!pathname.startsWith(GATEWAY_ROOT)) return undefined;
  const segments = pathname.slice(GATEWAY_ROOT.length).split("/");
  for (let k = 1; k < segments.length; k++) {
    if (segments[k] !== "serving") continue;
    const project = projectFrom(segments.slice(0, k));
    if (!project) continue;
    const rest = segments.slice(k + 1);
    if (rest.length === 0 || (rest.length === 1 && rest[0] === "")) return { kind: "list", project };
    const op = rest[2] as ScoringOperation | undefined;
    if ((rest.length === 2 || (rest.length === 3 && SCORING_OPERATIONS.includes(op!))) && rest[0] && rest[1]) {
      return { kind: "endpoint", project, model: modelName(rest[0]), ref: parseModelRef(rest[1]), operation: op };
    }
  }
  return undefined;
}
