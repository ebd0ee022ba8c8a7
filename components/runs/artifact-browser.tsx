"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useMlflow, useProject } from "@/components/project/context";
import { formatBytes } from "@/lib/dashboard/format";
import { baseName, sortEntries } from "@/lib/dashboard/runs-artifacts";
import type { FileInfo } from "@/lib/mlflow-api/types";
import { ArtifactPreview } from "./artifact-preview";
import { QueryError } from "./query-error";

/** The run's artifacts: a tree listed one directory at a time as it is opened, and a preview of the chosen file. */
export function ArtifactBrowser({ runId }: { runId: string }) {
  const [selected, setSelected] = useState<FileInfo | null>(null);
  return (
    <section className="card run-section" aria-labelledby="artifacts-title">
      <h2 id="artifacts-title">Artifacts</h2>
      <div className="artifact-browser">
        <nav aria-label="Artifact tree">
          <ArtifactDir runId={runId} selected={selected?.path} onSelect={setSelected} root />
        </nav>
        <div className="artifact-preview" aria-live="polite">
          {selected ? <ArtifactPreview runId={runId} file={selected} /> : <p className="empty">Choose a file to preview or download it.</p>}
        </div>
      </div>
    </section>
  );
}

function ArtifactDir({ runId, path, selected, onSelect, root }: { runId: string; path?: string; selected?: string; onSelect: (f: FileInfo) => void; root?: boolean }) {
  const project = useProject();
  const mlflow = useMlflow();
  const listing = useQuery({ queryKey: ["artifacts", project.id, runId, path ?? ""], queryFn: () => mlflow.listArtifacts(runId, path) });
  if (listing.isPending)
    return (
      <p className="loading small" role="status">
        Listing…
      </p>
    );
  if (listing.isError) return <QueryError error={listing.error} what="the artifacts" />;
  const files = sortEntries(listing.data.files ?? []);
  if (!files.length) return <p className="empty small">{root ? "This run has no artifacts." : "Empty directory."}</p>;
  return (
    <ul className={root ? "artifact-tree" : undefined}>
      {files.map((f) => (f.is_dir ? <DirEntry key={f.path} runId={runId} file={f} selected={selected} onSelect={onSelect} /> : <FileEntry key={f.path} file={f} selected={selected === f.path} onSelect={onSelect} />))}
    </ul>
  );
}

function DirEntry({ runId, file, selected, onSelect }: { runId: string; file: FileInfo; selected?: string; onSelect: (f: FileInfo) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <li>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span aria-hidden="true">{open ? "▾ " : "▸ "}</span>
        {baseName(file.path)}/
      </button>
      {open ? <ArtifactDir runId={runId} path={file.path} selected={selected} onSelect={onSelect} /> : null}
    </li>
  );
}

function FileEntry({ file, selected, onSelect }: { file: FileInfo; selected: boolean; onSelect: (f: FileInfo) => void }) {
  return (
    <li>
      <button type="button" aria-current={selected ? "true" : undefined} onClick={() => onSelect(file)}>
        {baseName(file.path)}
        {file.file_size !== undefined ? <span className="size">{formatBytes(Number(file.file_size))}</span> : null}
      </button>
    </li>
  );
}
