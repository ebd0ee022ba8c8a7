"use client";

import { useQueries } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { formatNumber } from "@/lib/dashboard/format";
import { projectHref } from "@/lib/dashboard/project-url";
import { metricRows, paramRows, parseCompareRuns, runLabel, type CompareRow } from "@/lib/dashboard/runs-compare";
import { chartPoints, type XAxis } from "@/lib/dashboard/runs-detail";
import type { Run } from "@/lib/mlflow-api/types";
import { AxisToggle, MetricChart, SERIES_COLORS } from "./metric-chart";
import { QueryError } from "./query-error";

/** 2–10 runs side by side: overlaid metric charts, params with differences marked, latest metrics. */
export function CompareRuns() {
  const project = useProject();
  const mlflow = useMlflow();
  const selection = parseCompareRuns(useSearchParams().get("runs"));
  const ids = selection.ok ? selection.ids : [];
  const runs = useQueries({ queries: ids.map((id) => ({ queryKey: ["run", project.id, id], queryFn: () => mlflow.getRun(id) })) });

  if (!selection.ok)
    return (
      <section className="card">
        <h1>Compare runs</h1>
        <p className="notice" role="alert">
          {selection.problem}
        </p>
        <p>
          Select runs in an experiment&apos;s runs table: <Link href={projectHref(project.path, "experiments")}>experiments</Link>.
        </p>
      </section>
    );
  const failed = runs.map((q, i) => ({ q, id: ids[i] })).filter(({ q }) => q.isError);
  if (failed.length)
    return (
      <section className="card">
        <h1>Compare runs</h1>
        {failed.map(({ q, id }) => (
          <QueryError key={id} error={q.error} what={`run ${id}`} />
        ))}
      </section>
    );
  if (runs.some((q) => q.isPending))
    return (
      <p className="loading" role="status">
        Loading {ids.length} runs…
      </p>
    );
  const loaded = runs.map((q) => q.data!.run);
  return <Comparison runs={loaded} />;
}

function Comparison({ runs }: { runs: Run[] }) {
  const project = useProject();
  const params = paramRows(runs);
  const metrics = metricRows(runs);
  const [onlyDiffering, setOnlyDiffering] = useState(false);
  return (
    <>
      <section className="card" aria-labelledby="compare-title">
        <h1 id="compare-title">Compare {runs.length} runs</h1>
        <ul className="tag-list" aria-label="Runs compared">
          {runs.map((r, i) => (
            <li key={r.info.run_id} className="badge" style={{ borderColor: SERIES_COLORS[i % SERIES_COLORS.length] }}>
              <span aria-hidden="true" style={{ color: SERIES_COLORS[i % SERIES_COLORS.length] }}>
                ●{" "}
              </span>
              <Link href={projectHref(project.path, "runs", r.info.run_id)}>{runLabel(r)}</Link>
            </li>
          ))}
        </ul>
      </section>
      <CompareCharts runs={runs} keys={metrics.map((m) => m.key)} />
      <section className="card run-section" aria-labelledby="compare-params-title">
        <div className="card-head">
          <h2 id="compare-params-title">Params</h2>
          <label className="inline">
            <input type="checkbox" checked={onlyDiffering} onChange={(e) => setOnlyDiffering(e.target.checked)} />
            Only differing ({params.filter((p) => p.differs).length})
          </label>
        </div>
        <CompareTable runs={runs} rows={onlyDiffering ? params.filter((p) => p.differs) : params} label="Params compared" render={(v) => v} empty="None of these runs logged params." />
      </section>
      <section className="card run-section" aria-labelledby="compare-metrics-title">
        <h2 id="compare-metrics-title">Latest metric values</h2>
        <CompareTable runs={runs} rows={metrics} label="Latest metrics compared" render={(v) => <span title={String(v)}>{formatNumber(v)}</span>} empty="None of these runs logged metrics." numeric />
      </section>
    </>
  );
}

function CompareTable<T>({ runs, rows, label, render, empty, numeric }: { runs: Run[]; rows: CompareRow<T>[]; label: string; render: (v: T) => React.ReactNode; empty: string; numeric?: boolean }) {
  if (!rows.length) return <p className="empty">{empty}</p>;
  return (
    <div className="table-scroll">
      <table aria-label={label} className="compare-table">
        <thead>
          <tr>
            <th scope="col">Key</th>
            {runs.map((r) => (
              <th key={r.info.run_id} scope="col">
                {runLabel(r)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className={row.differs ? "differs" : undefined} data-key={row.key} data-differs={row.differs}>
              <th scope="row">
                {row.key}
                {row.differs ? <span className="visually-hidden-runs"> (values differ)</span> : null}
              </th>
              {row.values.map((v, i) => (
                <td key={runs[i].info.run_id} className={[row.differs ? "differs" : "", numeric ? "num" : ""].join(" ").trim() || undefined}>
                  {v === undefined ? <span className="muted">—</span> : render(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One chart per metric key, a line per run, from every run's full history of it. */
function CompareCharts({ runs, keys }: { runs: Run[]; keys: string[] }) {
  const project = useProject();
  const mlflow = useMlflow();
  const [axis, setAxis] = useState<XAxis>("step");
  const pairs = keys.flatMap((key) => runs.filter((r) => r.data.metrics?.some((m) => m.key === key)).map((r) => ({ key, run: r })));
  const histories = useQueries({
    queries: pairs.map(({ key, run }) => ({ queryKey: ["metric-history", project.id, run.info.run_id, key], queryFn: () => mlflow.metricHistory(run.info.run_id, key) })),
  });
  return (
    <section className="card run-section" aria-labelledby="compare-charts-title">
      <div className="card-head">
        <h2 id="compare-charts-title">Metrics over {axis === "step" ? "steps" : "time"}</h2>
        {keys.length ? <AxisToggle axis={axis} onChange={setAxis} /> : null}
      </div>
      {keys.length === 0 ? (
        <p className="empty">None of these runs logged metrics.</p>
      ) : (
        <div className="chart-grid">
          {keys.map((key) => {
            const mine = pairs.map((p, i) => ({ ...p, h: histories[i] })).filter((p) => p.key === key);
            const failed = mine.find((p) => p.h.isError);
            if (failed) return <QueryError key={key} error={failed.h.error} what={`the history of ${key}`} />;
            if (mine.some((p) => p.h.isPending))
              return (
                <p key={key} className="loading" role="status">
                  Loading {key}…
                </p>
              );
            // Colours follow the run's place in the comparison, so a run keeps its colour across charts.
            const series = runs.map((r) => {
              const p = mine.find((x) => x.run === r);
              return { name: runLabel(r), points: p ? chartPoints(p.h.data?.metrics ?? [], axis) : [] };
            });
            return <MetricChart key={key} title={key} axis={axis} series={series} />;
          })}
        </div>
      )}
    </section>
  );
}
