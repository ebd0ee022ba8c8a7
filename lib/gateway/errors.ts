/** MLflow's error codes the gateway answers with; the SDK prints `error_code` and `message`. */
export type MlflowErrorCode =
  | "ENDPOINT_NOT_FOUND"
  | "RESOURCE_DOES_NOT_EXIST"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "TEMPORARILY_UNAVAILABLE"
  | "INVALID_PARAMETER_VALUE"
  | "REQUEST_LIMIT_EXCEEDED"
  | "NOT_IMPLEMENTED"
  | "INTERNAL_ERROR";

const STATUS: Record<MlflowErrorCode, number> = {
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_DOES_NOT_EXIST: 404,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  TEMPORARILY_UNAVAILABLE: 503,
  INVALID_PARAMETER_VALUE: 400,
  REQUEST_LIMIT_EXCEEDED: 429,
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
    status: number = STATUS[code],
  ) {
    super(message);
    this.status = status;
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

/**
 * Stands in for an MLflow 5xx body, keeping its status: the client's retries (500, 502-504)
 * and fallbacks (501 on multipart downloads) go by the status alone.
 */
export function mlflowFailure(status: number): GatewayError {
  if (status === 503) return unavailable("MLflow");
  if (status === 501) return new GatewayError("NOT_IMPLEMENTED", "MLflow does not implement this request on this hub's server.");
  return new GatewayError("INTERNAL_ERROR", "MLflow failed to handle this request; the hub logged the error for its administrators.", {}, status);
}

// user:password@ in URLs (database and store URIs), and libpq-style password=… settings.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi;
const PASSWORD_SETTING = /\b(\w*(?:password|passwd|pwd|secret|token|access_key)\w*)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&)]+)/gi;

/** Text for the log with the credentials an error message can carry masked. */
export const redactSecrets = (text: string) => text.replace(URL_CREDENTIALS, "$1***@").replace(PASSWORD_SETTING, "$1$2***");
