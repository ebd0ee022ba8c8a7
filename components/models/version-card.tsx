"use client";

import Link from "next/link";
import { useId } from "react";
import { useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { MODEL_STAGES, sourceRun } from "@/lib/dashboard/models-view";
import { projectHref } from "@/lib/dashboard/project-url";
import type { ModelVersion } from "@/lib/mlflow-api/types";
import { stacItemPath } from "@/lib/stac/ids";
import { StageBadge, TagList } from "./bits";
import { DeleteAction } from "./delete-action";
import { Description } from "./description";
import { MutationError } from "./mutation-error";
import { useRegistryMutation } from "./queries";

/** One version: stage, aliases, source run, description, tags; the controls the viewer's role allows. */
export function VersionCard({ version, aliases }: { version: ModelVersion; aliases: string[] }) {
  const { id, path, can } = useProject();
  const headingId = useId();
  const run = sourceRun(version);
  const describe = useRegistryMutation((mlflow, text: string) => mlflow.updateVersionDescription(version.name, version.version, text));
  const remove = useRegistryMutation((mlflow) => mlflow.deleteModelVersion(version.name, version.version));

  return (
    <article className="version-card" aria-labelledby={headingId} data-version={version.version}>
      <header>
        <h3 id={headingId}>Version {version.version}</h3>
        {version.status && version.status !== "READY" ? <span className="badge">{version.status}</span> : null}
        {aliases.map((a) => (
          <span key={a} className="badge alias">
            @{a}
          </span>
        ))}
      </header>
      <dl className="facts">
        <dt>Stage</dt>
        <dd>{can.write ? <StageControl version={version} /> : <StageBadge stage={version.current_stage} />}</dd>
        <dt>Source run</dt>
        <dd className="source">
          {run ? (
            <>
              <Link href={projectHref(path, "runs", run.runId)} title={run.runId}>
                <code>{run.runId.slice(0, 8)}</code>
              </Link>
              {run.path ? <span className="muted"> /{run.path}</span> : null}
            </>
          ) : (
            <span className="muted">—</span>
          )}
          {version.source && !version.source.startsWith("runs:/") ? (
            <code className="source-uri" title={version.source}>
              {version.source}
            </code>
          ) : null}
        </dd>
        <dt>Tags</dt>
        <dd>
          <TagList tags={version.tags} />
        </dd>
        <dt>Created</dt>
        <dd>
          <RelativeTime ms={version.creation_timestamp} />
        </dd>
        <dt>Updated</dt>
        <dd>
          <RelativeTime ms={version.last_updated_timestamp} />
        </dd>
        <dt>Catalog</dt>
        <dd>
          <a href={stacItemPath(id, version.name, version.version)} type="application/geo+json">
            STAC item
          </a>
        </dd>
        <dt>Description</dt>
        <dd>
          <Description subject={`version ${version.version}`} text={version.description} editable={can.write} save={(text) => describe.mutateAsync(text)} />
        </dd>
      </dl>
      {can.delete ? (
        <div className="row-actions">
          <DeleteAction label={`Delete version ${version.version}`} title={`Delete version ${version.version} of ${version.name}?`} remove={() => remove.mutateAsync(undefined)}>
            <p>
              The version, its stage and its aliases are removed from the registry. The run and its artifacts stay. This cannot be undone from the hub.
            </p>
          </DeleteAction>
        </div>
      ) : null}
    </article>
  );
}

function StageControl({ version }: { version: ModelVersion }) {
  const id = useId();
  const transition = useRegistryMutation((mlflow, stage: string) => mlflow.transitionStage(version.name, version.version, stage));
  const current = version.current_stage || "None";
  return (
    <div className="stage-control">
      <label htmlFor={id} className="visually-hidden">
        Stage of version {version.version}
      </label>
      <select id={id} value={transition.isPending ? transition.variables : current} disabled={transition.isPending} onChange={(e) => transition.mutate(e.target.value)}>
        {MODEL_STAGES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      {transition.isPending ? (
        <span className="muted" role="status">
          Saving…
        </span>
      ) : null}
      <MutationError error={transition.error} />
    </div>
  );
}
