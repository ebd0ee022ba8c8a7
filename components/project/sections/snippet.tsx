"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { CodeBlock } from "@/components/snippet/code-block";
import { FirstRunStatus } from "@/components/snippet/first-run-status";
import { SnippetOptions, type SnippetChoices } from "@/components/snippet/snippet-options";
import { ProjectTokens } from "@/components/tokens/project-tokens";
import { CopyButton } from "@/components/ui/copy-button";
import { buildSnippet, experimentNameFor, mlflowRequirement, personalTokenPage, SCRIPT_FILE, type SnippetBlock, type TokenSetup } from "@/lib/dashboard/snippet";

function Steps({ blocks, setup, tokenPage, version }: { blocks: SnippetBlock[]; setup: TokenSetup; tokenPage: string; version: string | undefined }) {
  const by = (id: SnippetBlock["id"]) => blocks.find((b) => b.id === id);
  const python = by("python")!;
  const pinNote = (
    <p className="muted">
      {version
        ? `Pinned to ${mlflowRequirement(version)}, the version this hub's MLflow server runs: the hub admits exactly that version's API, so a newer client could call something it does not know yet.`
        : "This hub's MLflow version could not be read: any MLflow 3 client will do."}
    </p>
  );
  if (by("ci")) {
    return (
      <ol className="snippet-steps">
        <li>
          <CodeBlock block={python} step={<p>Commit this as {SCRIPT_FILE} in the project&apos;s repository.</p>} />
        </li>
        <li>
          <CodeBlock
            block={by("ci")!}
            step={
              <>
                <p>
                  Add this job to the project&apos;s .gitlab-ci.yml. The job&apos;s own token signs it in: it works for this project only, while the job runs, with
                  the role of the user who started the pipeline. Each run is tagged with its pipeline, job, commit and ref.
                </p>
                {pinNote}
              </>
            }
          />
        </li>
      </ol>
    );
  }
  return (
    <ol className="snippet-steps">
      <li>
        <CodeBlock block={by("install")!} step={pinNote} />
      </li>
      {setup === "project" ? (
        <li>
          <ProjectTokens headingLevel={3} />
        </li>
      ) : null}
      <li>
        <CodeBlock
          block={by("token")!}
          step={
            setup === "project" ? (
              <p>
                Run this and paste the project token you created above: MLflow reads it from <code>MLFLOW_TRACKING_TOKEN</code>.
              </p>
            ) : (
              <p>
                <a href={tokenPage} target="_blank" rel="noreferrer">
                  Create a GitLab personal access token
                </a>{" "}
                with the <code>api</code> scope to log runs (a <code>read_api</code> token can only read here), then run this and paste it: MLflow reads it from{" "}
                <code>MLFLOW_TRACKING_TOKEN</code>. An <code>api</code> token may also change anything in GitLab you may: a project token gives MLflow this project
                and nothing else.
              </p>
            )
          }
        />
      </li>
      <li>
        <CodeBlock
          block={python}
          step={
            <p>
              Save this as {SCRIPT_FILE} and run <code>python {SCRIPT_FILE}</code> in the same shell.
            </p>
          }
        />
      </li>
    </ol>
  );
}

/** Everything a user needs to log their first run to this project, and a sign when it arrives. */
export function SnippetSection(_: { rest: string[] }) {
  const project = useProject();
  const mlflow = useMlflow();
  const [choices, setChoices] = useState<SnippetChoices>({ experimentName: project.name, projectIdSuffix: true, preset: "plain", token: "project" });
  const version = useQuery({ queryKey: ["mlflow-version", project.id], queryFn: () => mlflow.serverVersion(), staleTime: Infinity });
  const blocks = useMemo(
    () => buildSnippet({ ...choices, trackingUri: project.trackingUri, projectId: project.id, mlflowVersion: version.data }),
    [choices, project.trackingUri, project.id, version.data],
  );
  const experiment = experimentNameFor(choices.experimentName, project.id, choices.projectIdSuffix);
  return (
    <>
      <section className="card" aria-labelledby="snippet-title">
        <h1 id="snippet-title">Log your first run</h1>
        <p className="lead">The stock MLflow client talks to this project&apos;s tracking URI as if it were a private MLflow server; a token signs you in.</p>
        {!project.can.write ? (
          <p className="notice" role="note">
            {project.role === "no role" ? "You reach this project through its visibility" : `Your role (${project.role})`} lets you read this project&apos;s MLflow but
            not log to it: creating runs needs Developer or higher.
          </p>
        ) : null}
        <div className="tracking-uri-row">
          <span className="muted" id="snippet-uri-label">
            Tracking URI
          </span>
          <code aria-labelledby="snippet-uri-label" data-testid="tracking-uri">
            {project.trackingUri}
          </code>
          <CopyButton text={project.trackingUri} label="Copy tracking URI" />
        </div>
        <SnippetOptions value={choices} onChange={setChoices} projectId={project.id} />
      </section>
      <section className="card" aria-labelledby="snippet-steps-title">
        <h2 id="snippet-steps-title">Steps</h2>
        {version.isPending ? (
          <p className="loading" role="status">
            Loading…
          </p>
        ) : (
          <Steps blocks={blocks} setup={choices.token} tokenPage={personalTokenPage(project.gitlabUrl, project.path, project.can.write ? "api" : "read_api")} version={version.data} />
        )}
      </section>
      <FirstRunStatus experimentName={experiment} />
    </>
  );
}
