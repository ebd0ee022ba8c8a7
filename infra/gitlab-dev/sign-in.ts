/**
 * The interaction pages oidc-provider sends a browser to: GitLab's sign-in form, checked against the
 * fixture's users. Consent is implicit (GitLab's trusted applications), so a consent prompt — only
 * reached when a client sends prompt=consent — is granted without a page.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import type { InteractionResults } from "oidc-provider";
import { errorPage, pageHeaders, signInPage } from "./pages.ts";
import type { World } from "./world.ts";

const interactionPath = /^\/oauth\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/;
const maxFormBytes = 16 * 1024;

export function isInteractionPath(pathname: string): boolean {
  return interactionPath.test(pathname);
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, pageHeaders).end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += chunk;
    if (body.length > maxFormBytes) throw new Error("form too large");
  }
  return new URLSearchParams(body);
}

export function createSignIn(provider: Provider, world: World) {
  return async function signIn(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const [, uid, login] = interactionPath.exec(pathname)!;
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      details = undefined;
    }
    if (!details || details.uid !== uid) {
      send(res, 400, errorPage({ error: "This sign-in request expired or was already used. Start again from the application." }));
      return;
    }
    const action = `/oauth/interaction/${uid}/login`;

    if (details.prompt.name === "login") {
      if (!login) {
        if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, errorPage({ error: "Method not allowed" }));
        return send(res, 200, signInPage({ action }));
      }
      if (req.method !== "POST") return send(res, 405, errorPage({ error: "Method not allowed" }));
      const form = await readForm(req);
      const name = form.get("user[login]") ?? "";
      const user = world.signIn(name, form.get("user[password]") ?? "");
      if (!user) return send(res, 200, signInPage({ action, login: name, failed: true }));
      const result: InteractionResults = { login: { accountId: String(user.id) } };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }

    if (details.prompt.name === "consent" && !login) {
      const { prompt, params, session } = details;
      const grant =
        (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ??
        new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
      const missingScopes = prompt.details.missingOIDCScope as string[] | undefined;
      if (missingScopes) grant.addOIDCScope(missingScopes.join(" "));
      const missingClaims = prompt.details.missingOIDCClaims as string[] | undefined;
      if (missingClaims) grant.addOIDCClaims(missingClaims);
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }

    send(res, 400, errorPage({ error: `Unexpected prompt "${details.prompt.name}"` }));
  };
}
