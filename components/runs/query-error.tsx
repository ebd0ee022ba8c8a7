import { MlflowApiError } from "@/lib/mlflow-api/client";

/** A failed MLflow call as the user should read it: MLflow's own message, with its code for reference. */
export function QueryError({ error, what }: { error: unknown; what: string }) {
  const message = error instanceof MlflowApiError ? error.message : "The hub could not be reached.";
  const code = error instanceof MlflowApiError ? error.code : undefined;
  return (
    <p className="notice" role="alert">
      Could not load {what}: {message}
      {code ? <span className="muted"> ({code})</span> : null}
    </p>
  );
}
