"use client";

import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatExact, formatNumber } from "@/lib/dashboard/format";
import type { Point, XAxis as Axis } from "@/lib/dashboard/runs-detail";

/** Up to 10 runs side by side: distinct hues that stay apart for common colour blindness. */
export const SERIES_COLORS = ["#1f75cb", "#e8710a", "#108548", "#dd2b0e", "#6e49cb", "#8a5a00", "#0a7f8f", "#c0338f", "#4d4d4d", "#7fa11b"];

/** Dots mark each logged value while there are few enough to tell apart. */
const DOT_LIMIT = 200;

export interface Series {
  name: string;
  points: Point[];
}

const timeTick = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** One metric over steps or wall-clock time, one line per series (a run). */
export function MetricChart({ title, series, axis }: { title: string; series: Series[]; axis: Axis }) {
  const total = series.reduce((n, s) => n + s.points.length, 0);
  return (
    <figure className="metric-chart" data-metric={title} data-points={total}>
      <figcaption>{title}</figcaption>
      <LineChart responsive style={{ width: "100%", height: 220 }} margin={{ top: 4, right: 12, bottom: 4, left: 0 }} accessibilityLayer>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e5ea" />
        <XAxis
          dataKey="x"
          type="number"
          domain={["dataMin", "dataMax"]}
          allowDuplicatedCategory={false}
          tickFormatter={axis === "time" ? timeTick : (v: number) => formatNumber(v)}
          fontSize={12}
          name={axis === "time" ? "Time" : "Step"}
        />
        <YAxis dataKey="y" type="number" domain={["auto", "auto"]} tickFormatter={(v: number) => formatNumber(v)} fontSize={12} width={56} />
        <Tooltip
          labelFormatter={(x) => (axis === "time" ? formatExact(Number(x)) : `Step ${x}`)}
          formatter={(v) => formatNumber(Number(v))}
        />
        {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
        {series.map((s, i) => (
          <Line
            key={`${s.name}-${i}`}
            data={s.points}
            dataKey="y"
            name={s.name}
            type="linear"
            stroke={SERIES_COLORS[i % SERIES_COLORS.length]}
            strokeWidth={2}
            dot={s.points.length <= DOT_LIMIT ? { r: 2.5 } : false}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </figure>
  );
}

/** Steps or wall-clock time on the x axis. */
export function AxisToggle({ axis, onChange }: { axis: Axis; onChange: (axis: Axis) => void }) {
  return (
    <div className="segmented" role="group" aria-label="X axis">
      <button type="button" aria-pressed={axis === "step"} onClick={() => onChange("step")}>
        Step
      </button>
      <button type="button" aria-pressed={axis === "time"} onClick={() => onChange("time")}>
        Time
      </button>
    </div>
  );
}
