"use client";

import { useProject } from "@/components/project/context";
import { ProjectTokens } from "@/components/tokens/project-tokens";
import type { ProjectView } from "@/lib/dashboard/project-view";
import { MatrixTable } from "./matrix-table";
import type { PermissionMatrix } from "./matrix";
import { MemberList } from "./member-list";

export interface InstanceSettings {
  deleteFloor: ProjectView["deleteFloor"];
  mandatoryTopics: string[];
  cacheSeconds: number;
}

const capital = (s: string) => s[0].toUpperCase() + s.slice(1);
const withArticle = (role: string) => `${/^[AEIOU]/.test(role) ? "an" : "a"} `;

function roleSource(p: ProjectView): React.ReactNode {
  const groups = p.path.split("/").slice(0, -1).join("/");
  switch (p.source) {
    case "project":
      return (
        <>
          You are {withArticle(p.role)}
          <strong>{p.role}</strong> through your membership of this project.
        </>
      );
    case "group":
      return (
        <>
          You are {withArticle(p.role)}
          <strong>{p.role}</strong> through your membership of a group this project belongs to ({groups}, or a group above it).
        </>
      );
    case "ci-job":
      return <>Your role comes from the CI job&apos;s user.</>;
    default:
      return (
        <>
          You are <strong>not a member</strong>: you can read because the project is {p.visibility}
          {p.visibility === "public" ? " (anyone may read it)" : " (any signed-in user may read it)"}.
        </>
      );
  }
}

export function PermissionsView({ settings, matrices }: { settings: InstanceSettings; matrices: Record<ProjectView["visibility"], PermissionMatrix> }) {
  const project = useProject();
  const matrix = matrices[project.visibility];
  const missingTopics = settings.mandatoryTopics.filter((t) => !project.topics.includes(t));
  return (
    <>
      <section className="card" aria-labelledby="you-title" data-testid="your-access">
        <h1 id="you-title">Your access</h1>
        <p data-testid="role-source" data-source={project.source}>
          {roleSource(project)}
        </p>
        <dl className="facts">
          <dt>Role</dt>
          <dd data-testid="your-role">{project.role === "no role" ? "None (visibility only)" : project.role}</dd>
          <dt>Project visibility</dt>
          <dd data-testid="visibility">{capital(project.visibility)}</dd>
          <dt>You may</dt>
          <dd data-testid="you-may">
            {matrix.columns
              .filter((c) => project.can[c.action])
              .map((c) => c.title.toLowerCase())
              .join(", ") || "nothing"}
          </dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="matrix-title">
        <h2 id="matrix-title">Who may do what</h2>
        <p className="muted">
          Access follows your GitLab role in the project (the higher of project and group membership). This table is computed by the same rules the gateway applies to
          every request, from the web or the MLflow SDK.
        </p>
        <MatrixTable matrix={matrix} />
        <p className="muted" data-testid="token-limits">
          A token can hold a caller to less than their role: a GitLab token without the <code>api</code> scope only reads here (as in GitLab), and a hub project token
          reads, or reads and writes, as it was created, in this project only, and never beyond its owner&apos;s current role. A CI job token acts with the role of the
          user who started the pipeline, for the job&apos;s own project, while the job runs.
        </p>
      </section>

      <section className="card" aria-label="Project tokens">
        <ProjectTokens />
      </section>

      <section className="card" aria-labelledby="settings-title" data-testid="instance-settings">
        <h2 id="settings-title">This hub&apos;s settings</h2>
        <dl className="facts">
          <dt>Delete floor</dt>
          <dd data-testid="delete-floor">
            Deleting needs <strong>{capital(settings.deleteFloor)}</strong> or higher <code>DELETE_MIN_ACCESS_LEVEL={settings.deleteFloor}</code>
          </dd>
          <dt>Mandatory topics</dt>
          <dd data-testid="mandatory-topics">
            {settings.mandatoryTopics.length ? (
              <>
                Only projects with {settings.mandatoryTopics.map((t) => <code key={t}>{t}</code>)} get an MLflow
                {missingTopics.length ? "." : "; this project has them."}
              </>
            ) : (
              <>None: every project gets an MLflow.</>
            )}{" "}
            <code>MANDATORY_TOPICS</code>
          </dd>
          <dt>Role changes</dt>
          <dd data-testid="cache-ttl">
            A change of role in GitLab takes effect here within {settings.cacheSeconds === 0 ? "the next request" : `${settings.cacheSeconds} s`}{" "}
            <code>PROJECT_CACHE_TIMEOUT={settings.cacheSeconds}</code>
          </dd>
        </dl>
      </section>

      <MemberList />
    </>
  );
}
