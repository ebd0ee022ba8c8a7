import { MlflowApiError } from "@/lib/mlflow-api/client";

/** A read that failed, said where the data would be, with MLflow's own words when it sent some. */
export function QueryError({ error, what }: { error: unknown; what: string }) {
  const detail = error instanceof MlflowApiError ? `${error.code}: ${error.message}` : (error as Error)?.message;
  return (
    <p className="error-inline" role="alert">
      The {what} could not be read{detail ? ` (${detail})` : ""}.
    </p>
  );
}
