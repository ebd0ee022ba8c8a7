"use client";

import { useQuery } from "@tanstack/react-query";
import { useProject } from "@/components/project/context";
import { formatCount } from "@/lib/dashboard/format";
import type { ProjectMember } from "@/server/dashboard/members";
import { loadProjectMembers } from "./actions";

/** The project's members from GitLab, grouped by role, highest first; the viewer's entry is marked. */
export function MemberList() {
  const project = useProject();
  const members = useQuery({ queryKey: ["members", project.id], queryFn: () => loadProjectMembers(project.id) });
  const answer = members.data;

  let body: React.ReactNode;
  if (members.isPending) {
    body = (
      <p className="loading" role="status">
        Loading members from GitLab…
      </p>
    );
  } else if (members.isError || !answer || answer.kind !== "ok") {
    body = (
      <p className="error-inline" role="alert">
        {answer?.kind === "unavailable" ? answer.message : "The member list could not be read."}
      </p>
    );
  } else if (answer.members.length === 0) {
    body = <p className="empty">GitLab lists no members for this project.</p>;
  } else {
    const groups = new Map<string, ProjectMember[]>();
    for (const m of answer.members) groups.set(m.role, [...(groups.get(m.role) ?? []), m]);
    body = (
      <>
        <p className="muted">
          {formatCount(answer.members.length)}
          {answer.truncated ? "+" : ""} {answer.members.length === 1 ? "member" : "members"}, direct or through the project&apos;s groups.
          {project.visibility === "public" ? " Anyone else may read: the project is public." : project.visibility === "internal" ? " Any other signed-in user may read: the project is internal." : ""}
        </p>
        <div className="member-groups" data-testid="members">
          {[...groups].map(([role, list]) => (
            <section key={role} aria-label={`${role}s`} data-role={role}>
              <h3>
                {role} <span className="muted">({formatCount(list.length)})</span>
              </h3>
              <ul className="members">
                {list.map((m) => (
                  <li key={m.id} data-username={m.username} className={m.id === answer.viewerId ? "mine" : undefined} aria-current={m.id === answer.viewerId ? "true" : undefined}>
                    {m.avatarUrl ? <img src={m.avatarUrl} alt="" width={24} height={24} /> : null}
                    <span>{m.name}</span>{" "}
                    {m.webUrl ? <a href={m.webUrl}>@{m.username}</a> : <span className="muted">@{m.username}</span>}
                    {m.id === answer.viewerId ? <span className="badge you">you</span> : null}
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
        {answer.truncated ? <p className="muted">Only the first {formatCount(answer.members.length)} members are shown.</p> : null}
      </>
    );
  }

  return (
    <section className="card" aria-labelledby="members-title">
      <h2 id="members-title">Who has access</h2>
      {body}
    </section>
  );
}
