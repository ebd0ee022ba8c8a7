import { MlflowApiError } from "@/lib/mlflow-api/client";

/** A refused or failed change, said where it happened; the gateway's code is kept (PERMISSION_DENIED …). */
export function MutationError({ error }: { error: Error | null }) {
  if (!error) return null;
  const code = error instanceof MlflowApiError ? `${error.code}: ` : "";
  return (
    <p role="alert" className="error-inline" data-testid="mutation-error">
      {code}
      {error.message}
    </p>
  );
}
