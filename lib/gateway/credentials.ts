import { SERVING_GRANT_PREFIX } from "../serving/grant";
import { PROJECT_TOKEN_PREFIX } from "../tokens/format";
import { unauthenticated } from "./errors";

export type Credential =
  | { kind: "anonymous" }
  /** A GitLab personal, project or group access token, or an OAuth access token. */
  | { kind: "token"; token: string }
  /** A GitLab CI job token (`$CI_JOB_TOKEN`, prefix glcbt-). */
  | { kind: "job"; token: string }
  /** A hub project token (prefix mlfhub_): one project, read or write, capped by its owner's role. */
  | { kind: "project-token"; token: string }
  /** The hub's own minutes-long grant (prefix mlfsrv_) with which the serving runtime downloads one project's model. */
  | { kind: "serving-grant"; token: string }
  /** The hub's Auth.js session cookie (browser, stock MLflow UI). */
  | { kind: "session"; sessionToken: string };

/** Auth.js's database-session cookie; the __Secure- form is used on https. */
export const SESSION_COOKIES = ["__Secure-authjs.session-token", "authjs.session-token"] as const;

const TOKEN = /^[A-Za-z0-9._~+/=-]{8,512}$/;

function classify(token: string): Credential {
  if (!TOKEN.test(token)) throw unauthenticated("The token is malformed.");
  if (token.startsWith("glcbt-")) return { kind: "job", token };
  if (token.startsWith(PROJECT_TOKEN_PREFIX)) return { kind: "project-token", token };
  if (token.startsWith(SERVING_GRANT_PREFIX)) return { kind: "serving-grant", token };
  return { kind: "token", token };
}

function cookieValue(cookieHeader: string, name: string): string | undefined {
  for (const part of cookieHeader.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Who is calling, from the request's own headers. `Authorization` wins over the
 * cookie; Basic carries the token as password (what the MLflow client sends when
 * MLFLOW_TRACKING_USERNAME/PASSWORD are set). Nothing is verified here.
 */
export function readCredential(authorization: string | undefined, cookie: string | undefined): Credential {
  if (authorization) {
    const space = authorization.indexOf(" ");
    const scheme = (space > 0 ? authorization.slice(0, space) : authorization).toLowerCase();
    const value = space > 0 ? authorization.slice(space + 1).trim() : "";
    if (scheme === "bearer") return classify(value);
    if (scheme === "basic") {
      const decoded = Buffer.from(value, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      const password = colon >= 0 ? decoded.slice(colon + 1) : "";
      return classify(password || (colon >= 0 ? decoded.slice(0, colon) : decoded));
    }
    throw unauthenticated("Unsupported Authorization scheme: use a GitLab token as Bearer (MLFLOW_TRACKING_TOKEN).");
  }
  if (cookie) {
    for (const name of SESSION_COOKIES) {
      const value = cookieValue(cookie, name);
      if (value) return { kind: "session", sessionToken: value };
    }
  }
  return { kind: "anonymous" };
}
