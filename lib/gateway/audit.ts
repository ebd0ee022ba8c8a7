import type { RouteAction } from "./routes";

export interface AuditRecord {
  time: Date;
  userId?: string;
  username?: string;
  projectId?: number;
  projectPath?: string;
  route: string;
  method: string;
  action: RouteAction;
  outcome: "allowed" | "denied" | "error";
  status: number;
  detail?: string;
  /** The token the request came with (a project token's name and id, a GitLab token's), never its secret. */
  token?: string;
}

/**
 * Audit rows are written in batches off the request path: a request never waits
 * for the audit table, and a burst of writes costs one INSERT per batch. `flush`
 * resolves once every row recorded before it is written, including batches already
 * on their way (a stopping process awaits it before it exits).
 */
export function createAuditSink(write: (rows: AuditRecord[]) => Promise<unknown>, onError: (e: unknown, dropped: number) => void, flushMs = 500, maxBatch = 500) {
  let queue: AuditRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  const writing = new Set<Promise<void>>();

  async function flush() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const rows = queue;
    queue = [];
    if (rows.length) {
      const batch = write(rows).then(
        () => undefined,
        (e) => onError(e, rows.length),
      );
      writing.add(batch);
      void batch.finally(() => writing.delete(batch));
    }
    await Promise.all(writing);
  }

  return {
    record(row: AuditRecord) {
      queue.push(row);
      if (queue.length >= maxBatch) void flush();
      else timer ??= setTimeout(() => void flush(), flushMs).unref();
    },
    flush,
  };
}

export type AuditSink = ReturnType<typeof createAuditSink>;
