"use client";

import { useId, useState } from "react";
import { useProject } from "@/components/project/context";
import { aliasProblem } from "@/lib/dashboard/models-view";
import type { ModelVersion, RegisteredModel } from "@/lib/mlflow-api/types";
import { MutationError } from "./mutation-error";
import { useRegistryMutation } from "./queries";

/** The model's aliases; Developer+ may point one at a version or remove it. */
export function AliasPanel({ model, versions }: { model: RegisteredModel; versions: ModelVersion[] }) {
  const { can } = useProject();
  const aliases = [...(model.aliases ?? [])].sort((a, b) => a.alias.localeCompare(b.alias));
  const remove = useRegistryMutation((mlflow, alias: string) => mlflow.deleteModelAlias(model.name, alias));
  return (
    <section className="card" aria-labelledby="aliases-title">
      <h2 id="aliases-title">Aliases</h2>
      {aliases.length === 0 ? (
        <p className="muted">No aliases. An alias names a version for loading, e.g. models:/{model.name}@champion.</p>
      ) : (
        <ul className="alias-list" data-testid="alias-list">
          {aliases.map(({ alias, version }) => (
            <li key={alias} data-alias={alias}>
              <span className="badge alias">@{alias}</span> → version {version}
              {can.write ? (
                <button type="button" className="small" aria-label={`Remove alias ${alias}`} disabled={remove.isPending && remove.variables === alias} onClick={() => remove.mutate(alias)}>
                  {remove.isPending && remove.variables === alias ? "Removing…" : "Remove"}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <MutationError error={remove.error} />
      {can.write && versions.length > 0 ? <SetAliasForm model={model} versions={versions} /> : null}
    </section>
  );
}

function SetAliasForm({ model, versions }: { model: RegisteredModel; versions: ModelVersion[] }) {
  const [alias, setAlias] = useState("");
  const [version, setVersion] = useState(versions[0].version);
  const [touched, setTouched] = useState(false);
  const aliasId = useId();
  const versionId = useId();
  const problemId = useId();
  const set = useRegistryMutation((mlflow, v: { alias: string; version: string }) => mlflow.setModelAlias(model.name, v.alias, v.version));
  const problem = aliasProblem(alias.trim());
  const versionExists = versions.some((v) => v.version === version);

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (problem) return;
    set.mutate({ alias: alias.trim(), version: versionExists ? version : versions[0].version }, { onSuccess: () => (setAlias(""), setTouched(false)) });
  }

  return (
    <form className="inline-form" onSubmit={submit} aria-label="Set an alias">
      <div className="field">
        <label htmlFor={aliasId}>Alias</label>
        <input
          id={aliasId}
          value={alias}
          onChange={(e) => setAlias(e.target.value)}
          placeholder="champion"
          autoComplete="off"
          aria-invalid={touched && !!problem}
          aria-describedby={touched && problem ? problemId : undefined}
        />
      </div>
      <div className="field">
        <label htmlFor={versionId}>Version</label>
        <select id={versionId} value={versionExists ? version : versions[0].version} onChange={(e) => setVersion(e.target.value)}>
          {versions.map((v) => (
            <option key={v.version} value={v.version}>
              {v.version}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="primary" disabled={set.isPending}>
        {set.isPending ? "Setting…" : "Set alias"}
      </button>
      {touched && problem ? (
        <p id={problemId} className="error-inline" role="alert">
          {problem}
        </p>
      ) : null}
      <MutationError error={set.error} />
    </form>
  );
}
