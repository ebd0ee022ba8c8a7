import type { KeyValue, Metric } from "@/lib/mlflow-api/types";

/** MLflow's own tags (source, user, parent, notes…): shown apart, behind a toggle. */
export const isSystemTag = (key: string) => key.startsWith("mlflow.");

export function splitTags(tags: readonly KeyValue[] = []): { user: KeyValue[]; system: KeyValue[] } {
  const byKey = (a: KeyValue, b: KeyValue) => a.key.localeCompare(b.key);
  return {
    user: tags.filter((t) => !isSystemTag(t.key)).sort(byKey),
    system: tags.filter((t) => isSystemTag(t.key)).sort(byKey),
  };
}

export const tagValue = (tags: readonly KeyValue[] | undefined, key: string) => tags?.find((t) => t.key === key)?.value;

export const parentRunId = (tags: readonly KeyValue[] | undefined) => tagValue(tags, "mlflow.parentRunId");

const RUN_ID = /^[0-9a-f]{32}$/i;
/** A string MLflow accepts as a run id; anything else never reaches a filter. */
export const isRunId = (id: string) => RUN_ID.test(id);

/** The search-runs filter for a run's children: MLflow records the parent as a tag on each child. */
export function childRunsFilter(runId: string): string {
  if (!isRunId(runId)) throw new Error(`not a run id: ${runId}`);
  return `tags.mlflow.parentRunId = '${runId}'`;
}

const SOURCE_TAGS: [string, string][] = [
  ["mlflow.source.name", "Source"],
  ["mlflow.source.type", "Source type"],
  ["mlflow.source.git.repoURL", "Git repository"],
  ["mlflow.source.git.branch", "Git branch"],
  ["mlflow.source.git.commit", "Git commit"],
  ["mlflow.gitRepoURL", "Git repository"],
  ["gitlab.ci.pipeline.url", "CI pipeline"],
  ["gitlab.ci.job.url", "CI job"],
  ["gitlab.ci.commit.sha", "CI commit"],
  ["gitlab.ci.ref", "CI ref"],
];

/** Where a run came from (script, git, GitLab CI), as label/value pairs; http(s) values become links. */
export function sourceFacts(tags: readonly KeyValue[] | undefined): { label: string; value: string; href?: string }[] {
  const seen = new Set<string>();
  const out: { label: string; value: string; href?: string }[] = [];
  for (const [key, label] of SOURCE_TAGS) {
    const value = tagValue(tags, key);
    if (!value || seen.has(`${label}=${value}`)) continue;
    seen.add(`${label}=${value}`);
    out.push({ label, value, href: /^https?:\/\//.test(value) ? value : undefined });
  }
  return out;
}

export type XAxis = "step" | "time";
export interface Point {
  x: number;
  y: number;
}

/** A metric's history as chart points over steps or wall-clock time, in x order (MLflow does not promise one). */
export function chartPoints(history: readonly Metric[], axis: XAxis): Point[] {
  return history
    .map((m) => ({ x: axis === "step" ? m.step : m.timestamp, y: m.value, t: m.timestamp }))
    .filter((p) => Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x || a.t - b.t)
    .map(({ x, y }) => ({ x, y }));
}
