import type { FileInfo } from "@/lib/mlflow-api/types";

/** How much of a text artifact the preview reads; the rest is a download away. */
export const TEXT_PREVIEW_BYTES = 64 * 1024;

const TEXT = new Set(["json", "yaml", "yml", "txt", "csv", "tsv", "log", "md", "py", "toml", "ini", "cfg", "xml", "err"]);
const TEXT_NAMES = new Set(["MLmodel", "MLproject", "requirements.txt", "conda.yaml", "python_env.yaml"]);
const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "svg"]);

export type PreviewKind = "text" | "image" | "none";

/** What the preview can show for an artifact, from its name. */
export function previewKind(path: string): PreviewKind {
  const name = path.split("/").pop() ?? "";
  if (TEXT_NAMES.has(name)) return "text";
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  if (TEXT.has(ext)) return "text";
  if (IMAGE.has(ext)) return "image";
  return "none";
}

/** Directories first, then files, each by name: the order of a file browser. */
export function sortEntries(files: readonly FileInfo[]): FileInfo[] {
  return [...files].sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
}

export const baseName = (path: string) => path.split("/").pop() ?? path;

/**
 * Reads at most `limit` bytes of a body and stops the download there (the
 * artifact may be gigabytes); says whether anything was left unread.
 */
export async function readPrefix(body: ReadableStream<Uint8Array>, limit = TEXT_PREVIEW_BYTES): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.length >= limit) {
      const over = size + value.length > limit;
      chunks.push(value.subarray(0, limit - size));
      size = limit;
      truncated = over || !(await reader.read()).done;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.length;
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return { bytes, truncated };
}
