/** MLflow's error codes the gateway answers with; the SDK prints `error_code` and `message`. */
export type MlflowErrorCode =
  | "ENDPOINT_NOT_FOUND"
  | "RESOURCE_DOES_NOT_EXIST"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "TEMPORARILY_UNAVAILABLE"
  | "INVALID_PARAMETER_VALUE"
  | "NOT_IMPLEMENTED"
  | "INTERNAL_ERROR";

const STATUS: Record<MlflowErrorCode, number> = {
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  TEMPORARILY_UNAVAILABLE: 503,
  INVALID_PARAMETER_VALUE: 400,
  // Not among the MLflow client's retried statuses (408, 429, 500, 502-504): a feature the hub does not offer is answered at once.
  NOT_IMPLEMENTED: 501,
  INTERNAL_ERROR: 500,
};

/** A refusal by the gateway. Its message is shown to the caller: it never names another project or a secret. */
export class GatewayError extends Error {
  override name = "GatewayError";
  readonly status: number;
  constructor(
    readonly code: MlflowErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = STATUS[code];
  }

  body(): string {
    return JSON.stringify({ error_code: this.code, message: this.message });
  }
}

export const notFoundProject = () =>
  new GatewayError("RESOURCE_DOES_NOT_EXIST", "Project not found, or you have no access to it. Check the tracking URI and your token.");

export const unknownEndpoint = (method: string) =>
  new GatewayError("ENDPOINT_NOT_FOUND", `No MLflow endpoint ${method} at this path through the hub.`);

export const unauthenticated = (why: string) =>
  new GatewayError("UNAUTHENTICATED", why, { "www-authenticate": 'Bearer realm="mlflow", charset="UTF-8"' });

export const unavailable = (what: string) =>
  new GatewayError("TEMPORARILY_UNAVAILABLE", `${what} is unavailable right now; try again shortly.`, { "retry-after": "5" });

export const invalid = (why: string) => new GatewayError("INVALID_PARAMETER_VALUE", why);
