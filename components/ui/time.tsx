"use client";

import { useEffect, useState } from "react";
import { formatExact, formatRelative } from "@/lib/dashboard/format";

/** "5 minutes ago", exact time on hover and for screen readers; ticks while the page is open. */
export function RelativeTime({ ms }: { ms: number | undefined }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  if (!ms) return <span className="muted">—</span>;
  const exact = formatExact(ms);
  // The server renders the exact time; the browser switches to relative (no hydration mismatch).
  return (
    <time dateTime={new Date(ms).toISOString()} title={exact}>
      {now === null ? exact : formatRelative(ms, now)}
    </time>
  );
}
