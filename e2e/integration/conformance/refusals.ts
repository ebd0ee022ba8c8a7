import type { IncomingHttpHeaders } from "node:http";

/**
 * Recognises the gateway's own refusals, so a test can tell "the gateway said no"
 * from "MLflow answered" (MLflow's 400s and 404s for dummy parameters count as
 * passing the gateway). Three things together mark a refusal: the body is exactly
 * the compact `{"error_code","message"}` JSON.stringify writes (MLflow's Python
 * json adds spaces and more keys), MLflow's uvicorn `server` header is absent
 * (the gateway forwards it on every answer MLflow gives), and the message is one
 * the gateway writes (lib/gateway: errors.ts, decide.ts, checks.ts, access.ts,
 * credentials.ts, handler.ts, project-path.ts, csrf.ts, overwrite.ts; lib/serving).
 */
const GATEWAY_MESSAGES: readonly RegExp[] = [
  /^Project not found, or you have no access to it\. Check the tracking URI and your token\.$/,
  /^No MLflow endpoint [A-Z]+ at this path through the hub\.$/,
  /^Not a tracking URI: use \/mlflow\/<group>\/<project>\/tracking\/ or \/mlflow\/<project id>\/tracking\/\.$/,
  /^Sign in: send a GitLab token \(MLFLOW_TRACKING_TOKEN\)\.$/,
  /^Sign in to (read|write|delete|invoke|deploy) in this project: send a GitLab token \(MLFLOW_TRACKING_TOKEN\)\.$/,
  /^This GitLab token can only read here: it has the read_api scope but not api/,
  /^GitLab did not accept the token: it is unknown, expired or revoked\.$/,
  /^The token's scopes do not let it read projects: use a token with the read_api \(or api\) scope\.$/,
  /^CI job tokens are not enabled on this hub/,
  /^The CI job token is not valid: the job is not running\.$/,
  /^The token is malformed\.$/,
  /^Unsupported Authorization scheme/,
  /^Your hub session has expired: sign in again\.$/,
  /^This MLflow feature is server-wide and not available through a project's tracking URI\.$/,
  /^Your role in this project \([A-Za-z ]+\) does not allow this: .+ needs [A-Za-z]+ or higher\.$/,
  /^Artifact paths must lie inside this project's MLflow/,
  /^artifact_location cannot be set through the hub/,
  /^A model version's source must be a run, model or artifact of this project/,
  /^The model version's run_id is not a run of this project\.$/,
  /^This model version's source lies outside this project; the hub does not serve it\.$/,
  /^The tag \S+ is managed by MLflow and cannot be set through the hub\.$/,
  /^This trace's data lies outside this project; the hub does not serve it\.$/,
  /^Logged model '.*' does not exist in this project\.$/,
  /^Run '.*' does not exist in this project\.$/,
  /^Workspace not found\.$/,
  /^This endpoint is not available through the hub\.$/,
  /^The request body is too large for this endpoint\.$/,
  /^The request body is not a JSON object\.$/,
  /^The request path is not valid percent-encoding\.$/,
  /^The request path may not contain '\.', '\.\.' or encoded separators\.$/,
  /^.+ is unavailable right now; try again shortly\.$/,
  /^No project access was resolved for this request\.$/,
  /^The hub failed to handle this request\.$/,
  /^Multipart (upload|download) is not supported for the current artifact repository/,
  /^Presigned URLs for a run's or logged model's artifacts are not offered by this hub/,
  /^The multipart upload request needs /,
  /^Each uploaded part needs a part_number/,
  /^No multipart upload with this upload_id is in progress for this artifact\.$/,
  /^The store refused the parts/,
  /^This artifact's name .* cannot be signed for a direct download/,
  /^No artifact at \S/,
  /^The request names \S+ twice/,
  /^A trace id in this request is not one MLflow issues/,
  /^Trace '.*' does not exist in this project\.$/,
  /^This model version does not exist in this project\.$/,
  /^A GET request through the hub carries its parameters in the query string, not in a body\.$/,
  /^The request body has a number the hub cannot forward exactly/,
  /^MLflow failed to handle this request; the hub logged the error for its administrators\.$/,
  /^MLflow does not implement this request on this hub's server\.$/,
  /^This request (came from another site|came from another origin|says nothing of where it comes from).* A request signed in with the hub's session cookie may change nothing unless it comes from the hub's own pages/,
  // lib/serving: endpoints.ts.
  /^No endpoint for model '.*' (version \d+|alias @[\w-]+) in this project: deploy it first\.$/,
  /^Model '.*' has no (version \d+|alias @[\w-]+) in this project\.$/,
  /^The endpoint (for model '.*' .+ is stopped: deploy it again|failed to start: .*|is starting: try again shortly)\.?/,
  /^(This project already has \d+ endpoints deployed|The hub already runs \d+ endpoints)/,
  /^Overwriting an artifact needs the delete permission \([A-Za-z]+ or higher in this project\)/,
];

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * The gateway's refusal in this answer, or undefined when something else
 * answered (MLflow, or the gateway granting: a redirect, the workspace list).
 * Throws on a refusal-shaped answer with a message this file does not know, so
 * a new gateway message cannot pass for an MLflow answer unnoticed.
 */
export function gatewayRefusal(answer: Answer): Refusal | undefined {
  if (answer.status < 400 || answer.headers.server !== undefined) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return undefined;
  }
  if (!body || typeof body !== "object") return undefined;
  const { error_code: code, message } = body as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string" || answer.text !== JSON.stringify({ error_code: code, message })) return undefined;
  if (!GATEWAY_MESSAGES.some((m) => m.test(message))) {
    throw new Error(`An answer shaped like a gateway refusal carries a message the suite does not know (add it to refusals.ts): ${answer.status} ${answer.text}`);
  }
  return { status: answer.status, code, message };
}

/** The gateway's stand-in for an MLflow 5xx (errors.ts mlflowFailure): the request got past every decision and check. */
export const standsInForMlflowFailure = (r: Refusal) =>
  r.status >= 500 && /^MLflow (failed to handle this request|does not implement this request|is unavailable right now)/.test(r.message);

/** Short form for assertion messages. */
export const describeAnswer = (a: Answer) => `${a.status} ${a.text.replace(/\s+/g, " ").slice(0, 160)}`;
