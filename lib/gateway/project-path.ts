import { invalid } from "./errors";

export type ProjectRef = { kind: "id"; id: number } | { kind: "path"; path: string };

export interface ParsedGatewayPath {
  project: ProjectRef;
  /** `/mlflow/<project>/tracking`: the tracking URI without its trailing slash. */
  prefix: string;
  /** The MLflow path after the prefix, percent-encoded as received (what is forwarded). Starts with "/" or is "". */
  rawRest: string;
  /** The same, decoded segment by segment (what the route table matches). */
  rest: string;
}

export const GATEWAY_ROOT = "/mlflow/";

// GitLab's rule for group and project path segments.
const GITLAB_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

const isUnsafe = (decoded: string) => decoded === "." || decoded === ".." || /[/\\\0]/.test(decoded);

function decodeSegment(segment: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    throw invalid("The request path is not valid percent-encoding.");
  }
  // MLflow decodes artifact paths until they stop changing: no stage may hide a dot-segment or separator.
  // (Like Python's unquote, a stage that is not valid encoding is where decoding stops.)
  for (let stage = decoded, i = 0; !isUnsafe(stage) && i < 8 && stage.includes("%"); i++) {
    try {
      stage = decodeURIComponent(stage);
    } catch {
      break;
    }
    if (isUnsafe(stage)) decoded = stage;
  }
  if (isUnsafe(decoded)) throw invalid("The request path may not contain '.', '..' or encoded separators.");
  return decoded;
}

const projectFrom = (segments: string[]): ProjectRef | undefined => {
  if (segments.length === 1 && /^[1-9][0-9]{0,15}$/.test(segments[0])) return { kind: "id", id: Number(segments[0]) };
  if (segments.length >= 2 && segments.every((s) => GITLAB_SEGMENT.test(s) && !s.endsWith(".git") && !s.endsWith(".atom"))) {
    return { kind: "path", path: segments.join("/") };
  }
  return undefined;
};

/**
 * Splits `/mlflow/<project>/tracking/<mlflow path>`. A group, project or artifact
 * may itself be called `tracking`: the project ends at the first `tracking`
 * segment after which an MLflow route begins (`isRoute`), else at the first
 * `tracking` that leaves a valid project. Returns undefined for paths outside
 * the gateway or without a project.
 */
export function parseGatewayPath(pathname: string, isRoute: (decodedRest: string) => boolean): ParsedGatewayPath | undefined {
  if (!pathname.startsWith(GATEWAY_ROOT)) return undefined;
  const segments = pathname.slice(GATEWAY_ROOT.length).split("/");
  // Only a second `tracking` segment makes the split ambiguous; the usual path needs no route probe.
  const ambiguous = segments.indexOf("tracking") !== segments.lastIndexOf("tracking");
  let fallback: ParsedGatewayPath | undefined;
  for (let k = 1; k < segments.length; k++) {
    if (segments[k] !== "tracking") continue;
    const project = projectFrom(segments.slice(0, k));
    if (!project) continue;
    const restSegments = segments.slice(k + 1);
    const rawRest = restSegments.length ? `/${restSegments.join("/")}` : "";
    const rest = restSegments.length ? `/${restSegments.map(decodeSegment).join("/")}` : "";
    const parsed = { project, prefix: `${GATEWAY_ROOT}${segments.slice(0, k + 1).join("/")}`, rawRest, rest };
    if (!ambiguous || rest === "" || rest === "/" || isRoute(rest)) return parsed;
    fallback ??= parsed;
  }
  return fallback;
}

/** The MLflow workspace holding a project's data: named by the GitLab id, so renames and moves keep it. */
export const workspaceOf = (projectId: number) => `gitlab-${projectId}`;
