"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { formatCount } from "@/lib/dashboard/format";
import { latestByStage } from "@/lib/dashboard/models-view";
import { projectHref } from "@/lib/dashboard/project-url";
import type { RegisteredModel } from "@/lib/mlflow-api/types";
import { MutationError } from "./mutation-error";
import { useModelList } from "./queries";
import { AliasChips, StageBadge, TagList } from "./bits";

/** The search term lives in the URL (?q=), so a filtered list can be shared and survives a reload. */
function useSearchTerm(): [string, string, (t: string) => void] {
  const initial = useSearchParams().get("q") ?? "";
  const [input, setInput] = useState(initial);
  const [term, setTerm] = useState(input);
  useEffect(() => {
    const t = setTimeout(() => {
      setTerm(input.trim());
      const url = new URL(window.location.href);
      if (input.trim()) url.searchParams.set("q", input.trim());
      else url.searchParams.delete("q");
      window.history.replaceState(window.history.state, "", url);
    }, 300);
    return () => clearTimeout(t);
  }, [input]);
  return [input, term, setInput];
}

export function ModelList() {
  const { path } = useProject();
  const [input, term, setInput] = useSearchTerm();
  const list = useModelList(term);
  const searchId = useId();
  const models = list.data?.pages.flatMap((p) => p.registered_models ?? []) ?? [];

  return (
    <section className="card" aria-labelledby="models-title">
      <div className="models-head">
        <h1 id="models-title">Registered models</h1>
        <div className="models-search">
          <label htmlFor={searchId}>Search by name</label>
          <input id={searchId} type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder="e.g. flood" autoComplete="off" />
        </div>
      </div>
      {list.isPending ? (
        <p className="loading" role="status">
          Loading models…
        </p>
      ) : list.isError ? (
        <MutationError error={list.error} />
      ) : models.length === 0 ? (
        <p className="empty" data-testid="models-empty">
          {term ? (
            <>No model name contains “{term}”.</>
          ) : (
            <>
              No registered models yet. Register one from a run with <code>mlflow.register_model(&quot;runs:/&lt;run id&gt;/model&quot;, &quot;name&quot;)</code> — see{" "}
              <Link href={projectHref(path, "snippet")}>Get started</Link>.
            </>
          )}
        </p>
      ) : (
        <>
          <p className="muted" aria-live="polite">
            {formatCount(models.length)}
            {list.hasNextPage ? "+" : ""} {models.length === 1 ? "model" : "models"}
            {term ? ` matching “${term}”` : ""}
          </p>
          <div className="table-scroll">
            <table className="models-table" aria-label="Registered models">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Latest versions</th>
                  <th scope="col">Aliases</th>
                  <th scope="col" className="wide-only">
                    Tags
                  </th>
                  <th scope="col" className="wide-only">
                    Description
                  </th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => (
                  <ModelRow key={m.name} model={m} />
                ))}
              </tbody>
            </table>
          </div>
          {list.hasNextPage ? (
            <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
              {list.isFetchingNextPage ? "Loading…" : "Load more models"}
            </button>
          ) : null}
        </>
      )}
    </section>
  );
}

function ModelRow({ model }: { model: RegisteredModel }) {
  const { path } = useProject();
  return (
    <tr data-model={model.name}>
      <th scope="row">
        <Link href={projectHref(path, "models", model.name)}>{model.name}</Link>
      </th>
      <td data-label="Latest">
        <ul className="chips">
          {latestByStage(model).map((v) => (
            <li key={v.version}>
              <span className="version">v{v.version}</span> <StageBadge stage={v.current_stage} />
            </li>
          ))}
        </ul>
      </td>
      <td data-label="Aliases">
        <AliasChips aliases={model.aliases ?? []} />
      </td>
      <td className="wide-only">
        <TagList tags={model.tags} />
      </td>
      <td className="wide-only description-cell">{model.description || <span className="muted">—</span>}</td>
      <td className="nowrap" data-label="Updated">
        <RelativeTime ms={model.last_updated_timestamp} />
      </td>
    </tr>
  );
}
