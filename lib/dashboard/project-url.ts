/** The pages of a project in the dashboard, after its GitLab path: /projects/<group>/<project>/<section>/… */
export const PROJECT_SECTIONS = ["experiments", "runs", "compare", "models", "permissions", "snippet"] as const;
export type ProjectSection = (typeof PROJECT_SECTIONS)[number] | "overview";

export interface ProjectLocation {
  /** GitLab path with namespace, e.g. ml-team/vision/segmentation. */
  projectPath: string;
  section: ProjectSection;
  /** What follows the section: an experiment id, a run id, a model name. */
  rest: string[];
}

const SECTIONS = new Set<string>(PROJECT_SECTIONS);
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Reads /projects/<path>/<section>/… segments. A GitLab project path has at
 * least a namespace and a name, so a section can only start at the third
 * segment; GitLab's own `-` separator (/projects/<path>/-/<section>) settles a
 * subgroup that happens to be named like a section. Anything else → undefined.
 */
export function parseProjectLocation(segments: readonly string[]): ProjectLocation | undefined {
  const parts = segments.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return "";
    }
  });
  let end = parts.indexOf("-");
  let sectionAt = end + 1;
  if (end < 0) {
    end = parts.findIndex((p, i) => i >= 2 && SECTIONS.has(p));
    if (end < 0) end = parts.length;
    sectionAt = end;
  }
  const path = parts.slice(0, end);
  if (path.length < 2 || !path.every((p) => SEGMENT.test(p) && !p.endsWith(".git") && !p.includes(".."))) return undefined;
  const projectPath = path.join("/");
  if (sectionAt >= parts.length) return end === parts.length || parts[end] === "-" ? { projectPath, section: "overview", rest: [] } : undefined;
  const section = parts[sectionAt];
  if (!SECTIONS.has(section)) return undefined;
  return { projectPath, section: section as ProjectSection, rest: parts.slice(sectionAt + 1) };
}

/** The dashboard URL of a project page; rest segments are encoded (model names may hold anything). */
export function projectHref(projectPath: string, section: ProjectSection = "overview", ...rest: (string | number)[]): string {
  const base = `/projects/${projectPath}`;
  const ambiguous = projectPath.split("/").slice(2).some((p) => SECTIONS.has(p));
  if (section === "overview") return ambiguous ? `${base}/-` : base;
  const tail = rest.map((r) => `/${encodeURIComponent(String(r))}`).join("");
  return `${base}${ambiguous ? "/-" : ""}/${section}${tail}`;
}
