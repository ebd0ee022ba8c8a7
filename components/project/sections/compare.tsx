"use client";

import { CompareRuns } from "@/components/runs/compare-runs";

/** /compare?runs=a,b,c */
export function CompareSection() {
  return <CompareRuns />;
}
