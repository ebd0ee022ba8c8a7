"use client";

import { useState } from "react";
import { splitTags } from "@/lib/dashboard/runs-detail";
import type { Run } from "@/lib/mlflow-api/types";
import { KeyValues } from "./key-values";

/** The run's tags; MLflow's own (mlflow.*) behind a toggle. */
export function RunTags({ run }: { run: Run }) {
  const [showSystem, setShowSystem] = useState(false);
  const { user, system } = splitTags(run.data.tags);
  return (
    <section className="card run-section" aria-labelledby="tags-title">
      <div className="card-head">
        <h2 id="tags-title">Tags</h2>
        {system.length ? (
          <label className="inline">
            <input type="checkbox" checked={showSystem} onChange={(e) => setShowSystem(e.target.checked)} />
            Show MLflow system tags ({system.length})
          </label>
        ) : null}
      </div>
      <KeyValues items={showSystem ? [...user, ...system] : user} label="Tags" empty={system.length ? "No tags besides MLflow's own." : "This run has no tags."} testId="run-tags" />
    </section>
  );
}
