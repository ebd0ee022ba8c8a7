"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { RelativeTime } from "@/components/ui/time";
import { projectHref } from "@/lib/dashboard/project-url";
import { DESCRIPTION_TAG, experimentNameFilter } from "@/lib/dashboard/runs-experiments";
import { FIRST_PAGE, currentToken, nextPage, previousPage, type PageStack } from "@/lib/dashboard/runs-table";
import type { Experiment } from "@/lib/mlflow-api/types";
import { Pager } from "./pager";
import { QueryError } from "./query-error";

const PAGE_SIZE = 25;

/** The project's experiments, newest activity first, searchable by name, paged by MLflow's tokens. */
export function ExperimentList() {
  const project = useProject();
  const mlflow = useMlflow();
  const [text, setText] = useState("");
  const [search, setSearch] = useState("");
  const [pages, setPages] = useState<PageStack>(FIRST_PAGE);

  // Search as the user types, once they pause.
  useEffect(() => {
    const t = setTimeout(() => {
      setSearch(text.trim());
      setPages(FIRST_PAGE);
    }, 300);
    return () => clearTimeout(t);
  }, [text]);

  const token = currentToken(pages);
  const query = useQuery({
    queryKey: ["experiments", project.id, search, token],
    queryFn: () => mlflow.searchExperiments({ max_results: PAGE_SIZE, filter: experimentNameFilter(search), page_token: token, order_by: ["last_update_time DESC"] }),
    placeholderData: keepPreviousData,
  });
  const experiments = query.data?.experiments ?? [];

  return (
    <section className="card experiments" aria-labelledby="experiments-title">
      <div className="section-head">
        <h1 id="experiments-title">Experiments</h1>
        <input type="search" aria-label="Search experiments by name" placeholder="Search by name" value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      {query.isPending ? (
        <p className="loading" role="status">
          Loading experiments…
        </p>
      ) : query.isError ? (
        <QueryError error={query.error} what="the experiments" />
      ) : experiments.length === 0 ? (
        search ? (
          <p className="empty">No experiment name contains “{search}”.</p>
        ) : (
          <p className="empty">
            No experiments yet. <Link href={projectHref(project.path, "snippet")}>Log your first run</Link> and it appears here.
          </p>
        )
      ) : (
        <div className="table-scroll" aria-busy={query.isFetching}>
          <table aria-label="Experiments" className="experiment-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">ID</th>
                <th scope="col">Last update</th>
                <th scope="col">Description and tags</th>
              </tr>
            </thead>
            <tbody>
              {experiments.map((e) => (
                <ExperimentRow key={e.experiment_id} experiment={e} projectPath={project.path} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(pages.length > 1 || query.data?.next_page_token) && (
        <Pager
          label="Experiment pages"
          page={pages.length}
          hasNext={Boolean(query.data?.next_page_token)}
          busy={query.isFetching}
          onPrevious={() => setPages(previousPage(pages))}
          onNext={() => query.data?.next_page_token && setPages(nextPage(pages, query.data.next_page_token))}
        />
      )}
    </section>
  );
}

function ExperimentRow({ experiment: e, projectPath }: { experiment: Experiment; projectPath: string }) {
  const description = e.tags?.find((t) => t.key === DESCRIPTION_TAG)?.value;
  const tags = (e.tags ?? []).filter((t) => !t.key.startsWith("mlflow."));
  return (
    <tr>
      <td>
        <Link href={projectHref(projectPath, "experiments", e.experiment_id)}>{e.name}</Link>
      </td>
      <td className="num">{e.experiment_id}</td>
      <td className="num">
        <RelativeTime ms={e.last_update_time ?? e.creation_time} />
      </td>
      <td>
        {description ? <p className="description">{description}</p> : null}
        {tags.length ? (
          <ul className="tag-list" aria-label="Tags">
            {tags.map((t) => (
              <li key={t.key} className="badge">
                {t.key}: {t.value}
              </li>
            ))}
          </ul>
        ) : description ? null : (
          <span className="muted">—</span>
        )}
      </td>
    </tr>
  );
}
