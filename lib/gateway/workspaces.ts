import { unavailable } from "./errors";

/**
 * Creates a project's MLflow workspace the first time the gateway forwards for
 * it; remembers which exist so later requests make no extra call.
 */
export function createWorkspaceEnsurer(mlflowUrl: string, timeoutMs = 10_000) {
  const known = new Set<string>();
  const pending = new Map<string, Promise<void>>();

  async function create(name: string, description: string) {
    let res: Response;
    try {
      res = await fetch(`${mlflowUrl}/api/3.0/mlflow/workspaces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name, description }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw unavailable("MLflow");
    }
    const text = await res.text();
    // Another hub process (or an earlier life of this one) may have created it first.
    if (!res.ok && !text.includes("RESOURCE_ALREADY_EXISTS") && !text.includes("already exists")) throw unavailable("MLflow");
    known.add(name);
  }

  return {
    ensure(name: string, description: string): Promise<void> | undefined {
      if (known.has(name)) return undefined;
      let p = pending.get(name);
      if (!p) {
        p = create(name, description).finally(() => pending.delete(name));
        pending.set(name, p);
      }
      return p;
    },
    forget: (name: string) => known.delete(name),
  };
}
