"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ConfirmDialog } from "@/components/models/confirm-dialog";
import { MutationError } from "@/components/models/mutation-error";
import { useProject } from "@/components/project/context";
import { CopyButton } from "@/components/ui/copy-button";
import { formatExact } from "@/lib/dashboard/format";
import type { ProjectTokenList, ProjectTokenView } from "@/lib/tokens/manage";
import { TOKEN_NAME_MAX, type ProjectTokenAccess } from "@/lib/tokens/rules";
import { createProjectToken, listProjectTokens, revokeProjectToken } from "./api";

const ACCESS_LABEL: Record<ProjectTokenAccess, string> = { read: "Read", write: "Read and write" };

/** The secret, this once: the hub keeps only its hash. */
function NewToken({ token, name, onDone }: { token: string; name: string; onDone: () => void }) {
  return (
    <div className="new-token" role="status" data-testid="new-token">
      <p>
        <strong>Copy your new token “{name}” now.</strong> The hub keeps only a hash of it and cannot show it again. Use it as <code>MLFLOW_TRACKING_TOKEN</code>.
      </p>
      <p className="new-token-value">
        <code data-testid="new-token-value">{token}</code> <CopyButton text={token} label="Copy project token" />
      </p>
      <button type="button" className="small" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

function CreateForm({ list, onCreated }: { list: ProjectTokenList; onCreated: (token: string, name: string) => void }) {
  const project = useProject();
  const queryClient = useQueryClient();
  const ids = useId();
  const [name, setName] = useState("");
  const [access, setAccess] = useState<ProjectTokenAccess>(list.creatable.includes("write") ? "write" : "read");
  const [days, setDays] = useState(String(list.defaultDays));
  const create = useMutation({
    mutationFn: () => createProjectToken(project.id, { name, access, days: Number(days) }),
    onSuccess: (answer) => {
      onCreated(answer.token, answer.summary.name);
      setName("");
      void queryClient.invalidateQueries({ queryKey: ["project-tokens", project.id] });
    },
  });
  return (
    <form
      className="token-form"
      aria-label="New project token"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <div className="field">
        <label htmlFor={`${ids}-name`}>Token name</label>
        <input id={`${ids}-name`} value={name} onChange={(e) => setName(e.target.value)} maxLength={TOKEN_NAME_MAX} required placeholder="e.g. laptop training" autoComplete="off" />
      </div>
      <fieldset>
        <legend>Access</legend>
        {(["read", "write"] as const).map((a) => (
          <label key={a} className="snippet-check">
            <input type="radio" name={`${ids}-access`} value={a} checked={access === a} disabled={!list.creatable.includes(a)} onChange={() => setAccess(a)} />
            {ACCESS_LABEL[a]}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${ids}-days`}>Expires after (days)</label>
        <input id={`${ids}-days`} type="number" min={1} max={list.maxDays} step={1} value={days} onChange={(e) => setDays(e.target.value)} required />
        <span className="muted">at most {list.maxDays}</span>
      </div>
      <button type="submit" className="primary" disabled={create.isPending}>
        {create.isPending ? "Creating…" : "Create token"}
      </button>
      <MutationError error={create.error} />
    </form>
  );
}

function RevokeButton({ token }: { token: ProjectTokenView }) {
  const project = useProject();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const revoke = useMutation({
    mutationFn: () => revokeProjectToken(project.id, token.id),
    onSuccess: () => {
      setOpen(false);
      void queryClient.invalidateQueries({ queryKey: ["project-tokens", project.id] });
    },
  });
  return (
    <>
      <button type="button" className="danger small" onClick={() => (revoke.reset(), setOpen(true))} aria-label={`Revoke ${token.name}`}>
        Revoke
      </button>
      {open ? (
        <ConfirmDialog
          title={`Revoke “${token.name}”?`}
          confirmLabel="Revoke"
          pendingLabel="Revoking…"
          pending={revoke.isPending}
          error={<MutationError error={revoke.error} />}
          onConfirm={() => revoke.mutate()}
          onClose={() => setOpen(false)}
        >
          <p>Anything still using this token is refused from now on. This cannot be undone.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function TokenTable({ list }: { list: ProjectTokenList }) {
  if (list.tokens.length === 0) return <p className="empty">{list.managesAll ? "This project has no project tokens." : "You have no project tokens for this project."}</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Project tokens" data-testid="token-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Access</th>
            {list.managesAll ? <th scope="col">Owner</th> : null}
            <th scope="col">Expires</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.tokens.map((t) => (
            <tr key={t.id} data-token={t.name}>
              <td>{t.name}</td>
              <td>{ACCESS_LABEL[t.access]}</td>
              {list.managesAll ? <td>{t.mine ? <>@{t.owner} <span className="badge you">you</span></> : `@${t.owner}`}</td> : null}
              <td>{t.expired ? <span className="badge gone">expired</span> : formatExact(Date.parse(t.expiresAt))}</td>
              <td>{t.lastUsedAt ? formatExact(Date.parse(t.lastUsedAt)) : <span className="muted">never</span>}</td>
              <td>
                <RevokeButton token={t} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Hub project tokens for this project: create one (its secret shown once), see and revoke
 * yours — a Maintainer sees and revokes everyone's. Rights are the server's to decide; this
 * only shows what it answered.
 */
export function ProjectTokens({ headingLevel = 2 }: { headingLevel?: 2 | 3 }) {
  const project = useProject();
  const list = useQuery({ queryKey: ["project-tokens", project.id], queryFn: () => listProjectTokens(project.id) });
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const Heading = headingLevel === 2 ? "h2" : "h3";
  const answer = list.data;

  let body: React.ReactNode;
  if (list.isPending) {
    body = (
      <p className="loading" role="status">
        Loading project tokens…
      </p>
    );
  } else if (!answer) {
    body = <MutationError error={list.error} />;
  } else {
    body = (
      <>
        {!answer.enabled ? (
          <p className="notice" role="note">
            Project tokens are not enabled on this hub: its administrator must set <code>GITLAB_SERVICE_TOKEN</code>.
          </p>
        ) : answer.creatable.length === 0 ? (
          <p className="notice" role="note">
            {project.role === "no role" ? "You reach this project through its visibility" : `Your role (${project.role})`}: only members of the project can create project tokens.
          </p>
        ) : (
          <CreateForm list={answer} onCreated={(token, name) => setCreated({ token, name })} />
        )}
        {created ? <NewToken token={created.token} name={created.name} onDone={() => setCreated(null)} /> : null}
        <TokenTable list={answer} />
      </>
    );
  }
  return (
    <div className="project-tokens" data-testid="project-tokens">
      <Heading>Project tokens</Heading>
      <p className="muted">
        A project token signs the MLflow client in to this project only, as <code>MLFLOW_TRACKING_TOKEN</code>: it reads, or reads and writes, and never does more
        than your own GitLab role here allows when it is used. If you leave the project, it stops working. Maintainers see and revoke every token of the project.
      </p>
      {body}
    </div>
  );
}
