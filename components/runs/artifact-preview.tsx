"use client";

import { useQuery } from "@tanstack/react-query";
import { useMlflow, useProject } from "@/components/project/context";
import { formatBytes } from "@/lib/dashboard/format";
import { TEXT_PREVIEW_BYTES, baseName, previewKind, readPrefix } from "@/lib/dashboard/runs-artifacts";
import { MlflowApiError } from "@/lib/mlflow-api/client";
import type { FileInfo } from "@/lib/mlflow-api/types";
import { QueryError } from "./query-error";

/** Reads the first 64 KiB of an artifact through the gateway (which checks access first), then stops. */
async function fetchTextPrefix(url: string): Promise<{ text: string; truncated: boolean }> {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok || !res.body) {
    const body = (await res.json().catch(() => ({}))) as { error_code?: string; message?: string };
    throw new MlflowApiError(res.status, body.error_code ?? "INTERNAL_ERROR", body.message ?? `The hub answered ${res.status}.`);
  }
  const { bytes, truncated } = await readPrefix(res.body, TEXT_PREVIEW_BYTES);
  // stream: true keeps a multi-byte character cut at the limit from becoming garbage.
  return { text: new TextDecoder().decode(bytes, { stream: truncated }), truncated };
}

export function ArtifactPreview({ runId, file }: { runId: string; file: FileInfo }) {
  const mlflow = useMlflow();
  const url = mlflow.artifactUrl(runId, file.path);
  const kind = previewKind(file.path);
  const size = file.file_size !== undefined ? Number(file.file_size) : undefined;
  return (
    <div data-testid="artifact-preview" data-path={file.path}>
      <div className="card-head">
        <h3 className="small">{file.path}</h3>
        <a className="button" href={url} download={baseName(file.path)} data-testid="artifact-download">
          Download{size !== undefined ? ` (${formatBytes(size)})` : ""}
        </a>
      </div>
      {kind === "text" ? <TextPreview url={url} path={file.path} /> : kind === "image" ? <img src={url} alt={`Artifact ${file.path}`} data-testid="artifact-image" /> : <p className="empty">No preview for this kind of file.</p>}
    </div>
  );
}

function TextPreview({ url, path }: { url: string; path: string }) {
  const project = useProject();
  const q = useQuery({ queryKey: ["artifact-text", project.id, url], queryFn: () => fetchTextPrefix(url), staleTime: Infinity });
  if (q.isPending)
    return (
      <p className="loading" role="status">
        Loading {baseName(path)}…
      </p>
    );
  if (q.isError) return <QueryError error={q.error} what={baseName(path)} />;
  return (
    <>
      <pre data-testid="artifact-text" tabIndex={0} aria-label={`Contents of ${path}`}>
        {q.data.text}
      </pre>
      {q.data.truncated ? <p className="muted small">Showing the first {formatBytes(TEXT_PREVIEW_BYTES)}; download the file for the rest.</p> : null}
    </>
  );
}
