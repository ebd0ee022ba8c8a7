"use client";

import { useQueries } from "@tanstack/react-query";
import { useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { chartPoints, type XAxis } from "@/lib/dashboard/runs-detail";
import { AxisToggle, MetricChart } from "./metric-chart";
import { QueryError } from "./query-error";

/** A chart per metric of one run, from each metric's full history. */
export function RunCharts({ runId, keys }: { runId: string; keys: string[] }) {
  const project = useProject();
  const mlflow = useMlflow();
  const [axis, setAxis] = useState<XAxis>("step");
  const histories = useQueries({
    queries: keys.map((key) => ({ queryKey: ["metric-history", project.id, runId, key], queryFn: () => mlflow.metricHistory(runId, key) })),
  });
  return (
    <section className="card run-section" aria-labelledby="charts-title">
      <div className="card-head">
        <h2 id="charts-title">Metric charts</h2>
        {keys.length ? <AxisToggle axis={axis} onChange={setAxis} /> : null}
      </div>
      {keys.length === 0 ? (
        <p className="empty">This run logged no metrics.</p>
      ) : (
        <div className="chart-grid">
          {keys.map((key, i) => {
            const h = histories[i];
            if (h.isPending)
              return (
                <p key={key} className="loading" role="status">
                  Loading {key}…
                </p>
              );
            if (h.isError) return <QueryError key={key} error={h.error} what={`the history of ${key}`} />;
            return <MetricChart key={key} title={key} axis={axis} series={[{ name: key, points: chartPoints(h.data.metrics ?? [], axis) }]} />;
          })}
        </div>
      )}
    </section>
  );
}
