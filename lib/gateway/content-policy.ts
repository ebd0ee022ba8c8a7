import { parseGatewayPath } from "./project-path";
import { matchRoute } from "./routes";

/**
 * The CSP of the stock MLflow UI's page. The UI lives on the hub's origin, next to the hub's
 * session cookie, so a script injected into it could act in every project its user may see: it
 * gets the strictest policy under which it still works, measured in Chromium over the experiments
 * list, a run's metrics and its text, image and HTML artifact previews
 * (e2e/browser/security-headers.spec.ts fails on any violation). MLflow 3.17.2's index.html holds
 * no inline script, so 'self' alone runs it. What stays open, and why:
 * - style-src 'unsafe-inline': the UI's CSS-in-JS injects <style> elements at run time, with no
 *   nonce to give them (without it the UI does not render). Injected markup could restyle the
 *   page, not run anything.
 * - frame-src blob:: an HTML artifact is previewed in a sandboxed iframe of a blob: URL, which
 *   inherits this policy, so the artifact's own scripts do not run there: it shows as static HTML.
 * - worker-src 'self': the UI's telemetry worker, one of its static files.
 * - font-src data:: the runs table's icon font is inlined in the UI's CSS.
 * - img-src data: blob:: images cannot run script; views beyond those measured may draw with them.
 */
export const MLFLOW_UI_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "frame-src blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Everything else the gateway answers: MLflow's JSON, and artifact bytes anyone with write access
 * uploaded (an .html artifact from get-artifact, mlflow-artifacts or model-versions/get-artifact).
 * Opened as a page, such an answer runs nothing and loads nothing, in a unique origin without the
 * hub's cookies (sandbox); the UI only fetches these, and a fetched answer's CSP does not apply.
 */
export const GATEWAY_DATA_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The UI's page (the tracking URI itself) and its static files (MLflow's own bytes, the same for every project). */
const isUiPath = (rest: string) => rest === "" || rest === "/" || rest.startsWith("/static-files/") || rest.startsWith("/build/");

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const isRoute = (rest: string) => METHODS.some((m) => matchRoute(m, rest) !== undefined);

/**
 * The Content-Security-Policy for a gateway request's answer, decided from its path before the
 * gateway runs (hub-server.ts sets it; forward.ts merges MLflow's own headers under it). Whatever
 * is not the UI, unparsable paths included, gets the data policy.
 */
export function gatewayPolicy(pathname: string): string {
  let rest: string | undefined;
  try {
    // Split where the gateway splits it (handler.ts): the policy is the one of the route it serves.
    rest = parseGatewayPath(pathname, isRoute)?.rest;
  } catch {
    rest = undefined;
  }
  return rest !== undefined && isUiPath(rest) ? MLFLOW_UI_POLICY : GATEWAY_DATA_POLICY;
}
