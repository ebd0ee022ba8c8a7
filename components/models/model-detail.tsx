"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { formatCount } from "@/lib/dashboard/format";
import { aliasesByVersion, modelVersionsFilter, sortVersions } from "@/lib/dashboard/models-view";
import { projectHref } from "@/lib/dashboard/project-url";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import type { ModelVersion } from "@/lib/mlflow-api/types";
import { EndpointsPanel } from "@/components/serving/endpoints-panel";
import { AliasPanel } from "./alias-panel";
import { TagList } from "./bits";
import { DeleteAction } from "./delete-action";
import { Description } from "./description";
import { MutationError } from "./mutation-error";
import { useModel, useModelVersions, useRegistryMutation } from "./queries";
import { VersionCard } from "./version-card";

export function ModelDetail({ name }: { name: string }) {
  const { path, can } = useProject();
  const router = useRouter();
  const model = useModel(name);
  const versionPages = useModelVersions(name);
  const describe = useRegistryMutation((mlflow, text: string) => mlflow.updateModelDescription(name, text));
  const remove = useRegistryMutation((mlflow) => mlflow.deleteRegisteredModel(name));
  const back = (
    <p>
      <Link href={projectHref(path, "models")}>← All models</Link>
    </p>
  );

  if (model.isPending) {
    return (
      <>
        {back}
        <p className="loading" role="status">
          Loading model…
        </p>
      </>
    );
  }
  if (model.isError) {
    const missing = model.error instanceof MlflowApiError && model.error.code === "RESOURCE_DOES_NOT_EXIST";
    return (
      <>
        {back}
        <section className="card" data-testid={missing ? "model-not-found" : undefined}>
          {missing ? <h1>No model named “{name}” in this project</h1> : <MutationError error={model.error} />}
        </section>
      </>
    );
  }

  const m = model.data;
  const unquotable = modelVersionsFilter(name) === undefined;
  // A name MLflow's filter syntax cannot quote cannot be searched: show the latest version per stage instead.
  const versions: ModelVersion[] = unquotable ? sortVersions(m.latest_versions ?? []) : (versionPages.data?.pages.flatMap((p) => p.model_versions ?? []) ?? []);
  const aliases = aliasesByVersion(m);

  return (
    <>
      {back}
      <section className="card" aria-labelledby="model-title">
        <h1 id="model-title">{m.name}</h1>
        <dl className="facts">
          <dt>Updated</dt>
          <dd>
            <RelativeTime ms={m.last_updated_timestamp} />
          </dd>
          <dt>Created</dt>
          <dd>
            <RelativeTime ms={m.creation_timestamp} />
          </dd>
          <dt>Tags</dt>
          <dd>
            <TagList tags={m.tags} />
          </dd>
          <dt>Description</dt>
          <dd>
            <Description subject={`model ${m.name}`} text={m.description} editable={can.write} save={(text) => describe.mutateAsync(text)} />
          </dd>
        </dl>
      </section>

      <AliasPanel model={m} versions={versions} />

      <EndpointsPanel
        model={m.name}
        targets={[
          ...(m.aliases ?? []).map((a) => ({ label: `@${a.alias} (version ${a.version}, followed when it moves)`, ref: /^\d+$/.test(a.alias) ? `@${a.alias}` : a.alias })),
          ...versions.map((v) => ({ label: `version ${v.version}`, ref: v.version })),
        ]}
      />

      <section className="card" aria-labelledby="versions-title">
        <h2 id="versions-title">
          Versions {versions.length ? <span className="muted">({formatCount(versions.length)}{versionPages.hasNextPage ? "+" : ""})</span> : null}
        </h2>
        {versionPages.isError ? (
          <MutationError error={versionPages.error} />
        ) : versionPages.isLoading ? (
          <p className="loading" role="status">
            Loading versions…
          </p>
        ) : versions.length === 0 ? (
          <p className="empty">No versions yet. Register one with mlflow.register_model(&quot;runs:/&lt;run id&gt;/model&quot;, &quot;{m.name}&quot;).</p>
        ) : (
          <div className="version-list">
            {versions.map((v) => (
              <VersionCard key={v.version} version={v} aliases={aliases.get(v.version) ?? []} />
            ))}
          </div>
        )}
        {versionPages.hasNextPage ? (
          <button type="button" onClick={() => versionPages.fetchNextPage()} disabled={versionPages.isFetchingNextPage}>
            {versionPages.isFetchingNextPage ? "Loading…" : "Load more versions"}
          </button>
        ) : null}
      </section>

      {can.delete ? (
        <section className="card danger-zone" aria-labelledby="danger-title">
          <h2 id="danger-title">Delete this model</h2>
          <p className="muted">Deletes the registered model with all its versions and aliases. Runs and their artifacts stay.</p>
          <DeleteAction
            label="Delete model"
            title={`Delete the model ${m.name}?`}
            remove={() => remove.mutateAsync(undefined)}
            onDeleted={() => router.push(projectHref(path, "models"))}
          >
            <p>
              All {formatCount(versions.length)} {versions.length === 1 ? "version" : "versions"} of {m.name} and its aliases are removed from the registry. This cannot be undone from the hub.
            </p>
          </DeleteAction>
        </section>
      ) : null}
    </>
  );
}
