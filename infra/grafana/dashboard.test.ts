import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collectProcessMetrics, metricsRegistry } from "../../lib/gateway/metrics.ts";

// The dashboard and docs/metrics.md name metrics by hand: these tests fail when
// they ask for one the hub does not export (a renamed metric, a typo), which
// Grafana would only show as an empty panel.

const repo = path.resolve(import.meta.dirname, "..", "..");
const dashboard = JSON.parse(fs.readFileSync(path.join(repo, "infra", "grafana", "mlflow-hub.json"), "utf8")) as {
  panels: { title: string; targets: { expr: string }[] }[];
};
const docs = fs.readFileSync(path.join(repo, "docs", "metrics.md"), "utf8");

const PROMQL_KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless"]);

/** The metric names a PromQL expression selects: not functions, keywords, labels, ranges or strings. */
function selectedMetrics(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  return [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)].filter(([, name, call]) => !call && !PROMQL_KEYWORDS.has(name)).map(([, name]) => name);
}

/** Every series name /metrics shows: each metric, and a histogram's _bucket, _sum and _count. */
async function exported(): Promise<Set<string>> {
  collectProcessMetrics();
  const names = new Set<string>();
  for (const m of await metricsRegistry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(m.name + s);
  }
  return names;
}

describe("selectedMetrics", () => {
  it("finds the metrics of an expression and leaves functions, labels, ranges and grouping out", () => {
    expect(selectedMetrics('histogram_quantile(0.95, sum by (le, action) (rate(a_bucket{outcome="allowed"}[$__rate_interval])))')).toEqual(["a_bucket"]);
    expect(selectedMetrics("time() - process_start_time_seconds")).toEqual(["process_start_time_seconds"]);
    expect(selectedMetrics('sum(rate(x_total{result="hit"}[5m])) / sum(rate(y_total[5m]))')).toEqual(["x_total", "y_total"]);
  });
});

describe("infra/grafana/mlflow-hub.json", () => {
  it("queries only metrics the hub exports", async () => {
    const names = await exported();
    const queried = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => selectedMetrics(t.expr).map((metric) => ({ panel: p.title, metric }))));
    expect(queried.length).toBeGreaterThan(0);
    expect(queried.filter((q) => !names.has(q.metric))).toEqual([]);
  });

  it("uses every metric lib/gateway/metrics.ts defines", () => {
    const defined = [...fs.readFileSync(path.join(repo, "lib", "gateway", "metrics.ts"), "utf8").matchAll(/name: "(mlflow_hub_\w+)"/g)].map((m) => m[1]);
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => selectedMetrics(t.expr))).map((n) => n.replace(/_(bucket|sum|count)$/, "")));
    expect(defined.length).toBeGreaterThan(0);
    expect(defined.filter((d) => !queried.has(d))).toEqual([]);
  });
});

describe("docs/metrics.md", () => {
  it("documents every hub metric with each of its labels", async () => {
    for (const m of await metricsRegistry.getMetricsAsJSON()) {
      if (!m.name.startsWith("mlflow_hub_")) continue;
      const row = docs.split("\n").find((l) => l.startsWith(`| \`${m.name}\``));
      expect(row, `${m.name} has no row in docs/metrics.md`).toBeDefined();
      expect(row).toContain(`| ${m.type} |`);
      const labels = (metricsRegistry.getSingleMetric(m.name) as unknown as { labelNames: string[] }).labelNames;
      for (const label of labels) expect(row, `${m.name} label ${label}`).toContain(`\`${label}\``);
    }
  });

  it("names only metrics the hub exports", async () => {
    const names = await exported();
    const named = [...docs.matchAll(/`((?:mlflow_hub|process|nodejs)_[a-z0-9_]+)`/g)].map((m) => m[1]).filter((n) => !n.endsWith("_"));
    expect(named.filter((n) => !names.has(n))).toEqual([]);
  });
});
