import type { ProjectView } from "@/lib/dashboard/project-view";
import type { AuditRecord } from "@/lib/gateway/audit";
import { GatewayError, invalid } from "@/lib/gateway/errors";
import { roleName } from "@/lib/gateway/permissions";
import { mintProjectToken } from "./format";
import { creatableAccess, defaultTokenDays, expiryAfter, managesAllTokens, mayRevoke, newTokenRequest, type ProjectTokenAccess } from "./rules";
import type { ProjectTokenStore, ProjectTokenSummary } from "./store";

/** A signed-in hub user acting on one project's tokens, with what the gateway's decide() lets them do there. */
export interface TokenCaller {
  userId: string;
  project: Pick<ProjectView, "id" | "path" | "can" | "accessLevel">;
  /** Their GitLab identity, read from GitLab: the owner the gateway re-checks is GitLab's, not the hub's. */
  gitlabUser(): Promise<{ id: number; username: string }>;
}

/** A token as the page shows it: JSON-ready, no secret. */
export interface ProjectTokenView {
  id: string;
  name: string;
  access: ProjectTokenAccess;
  owner: string;
  mine: boolean;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  expired: boolean;
}

export interface ProjectTokenList {
  /** False when the hub has no GITLAB_SERVICE_TOKEN: project tokens cannot be checked, so none are made. */
  enabled: boolean;
  maxDays: number;
  defaultDays: number;
  creatable: ProjectTokenAccess[];
  /** The caller sees (and may revoke) every token of the project, not only their own. */
  managesAll: boolean;
  tokens: ProjectTokenView[];
}

export interface TokenServiceOptions {
  store: ProjectTokenStore;
  enabled: boolean;
  maxDays: number;
  /** Drops the gateway's cached answers for a token, so a revoked one stops at once, in every hub process. */
  forget(hash: string): void | Promise<unknown>;
  audit(row: AuditRecord): Promise<void>;
  now?: () => Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const noSuchToken = () => new GatewayError("RESOURCE_DOES_NOT_EXIST", "No such project token in this project.");
const label = (t: { id: string; name: string }) => `project token "${t.name}" (id ${t.id})`;

/**
 * Creating, listing and revoking hub project tokens. Rights come from the caller's
 * session through decide() (lib/tokens/rules.ts); every create and revoke, allowed or
 * refused, leaves an audit row naming the token.
 */
export function tokenService(o: TokenServiceOptions) {
  const now = o.now ?? (() => new Date());

  const view = (t: ProjectTokenSummary, caller: TokenCaller): ProjectTokenView => ({
    id: t.id,
    name: t.name,
    access: t.access,
    owner: t.ownerUsername,
    mine: t.userId === caller.userId,
    createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expired: t.expiresAt <= now(),
  });

  async function audited<T>(caller: TokenCaller, what: { route: string; method: string; action: "write" | "delete" }, run: () => Promise<{ result: T; status: number; token: string; username?: string }>): Promise<T> {
    const row = { time: now(), userId: caller.userId, projectId: caller.project.id, projectPath: caller.project.path, ...what };
    try {
      const done = await run();
      await o.audit({ ...row, username: done.username, outcome: "allowed", status: done.status, token: done.token });
      return done.result;
    } catch (e) {
      if (e instanceof GatewayError) await o.audit({ ...row, outcome: e.status >= 500 ? "error" : "denied", status: e.status, detail: e.code });
      throw e;
    }
  }

  return {
    async list(caller: TokenCaller): Promise<ProjectTokenList> {
      const all = managesAllTokens(caller.project);
      const tokens = await o.store.list(caller.project.id, all ? undefined : caller.userId);
      return {
        enabled: o.enabled,
        maxDays: o.maxDays,
        defaultDays: defaultTokenDays(o.maxDays),
        creatable: o.enabled ? creatableAccess(caller.project) : [],
        managesAll: all,
        tokens: tokens.map((t) => view(t, caller)),
      };
    },

    /** The new token, shown this once: the hub keeps only its hash. */
    create(caller: TokenCaller, body: unknown): Promise<{ token: string; summary: ProjectTokenView }> {
      return audited(caller, { route: "/api/projects/:id/tokens", method: "POST", action: "write" }, async () => {
        if (!o.enabled) throw new GatewayError("NOT_IMPLEMENTED", "Project tokens are not enabled on this hub: its administrator must set GITLAB_SERVICE_TOKEN.");
        const parsed = newTokenRequest(o.maxDays).safeParse(body);
        if (!parsed.success) throw invalid(parsed.error.issues.map((i) => i.message).join("; "));
        const request = parsed.data;
        if (!creatableAccess(caller.project).includes(request.access)) {
          const role = caller.project.accessLevel > 0 ? roleName(caller.project.accessLevel) : "no role";
          throw new GatewayError("PERMISSION_DENIED", `Your role in this project (${role}) does not let you create ${request.access} tokens: a token never does more than its owner may.`);
        }
        const me = await caller.gitlabUser();
        const { token, hash } = mintProjectToken();
        const created = await o.store.create({
          hash,
          name: request.name,
          access: request.access,
          projectId: caller.project.id,
          userId: caller.userId,
          ownerGitlabId: me.id,
          ownerUsername: me.username,
          expiresAt: expiryAfter(request.days, now()),
        });
        return { result: { token, summary: view(created, caller) }, status: 201, token: label(created), username: me.username };
      });
    },

    revoke(caller: TokenCaller, id: string): Promise<void> {
      return audited(caller, { route: "/api/projects/:id/tokens/:tokenId", method: "DELETE", action: "delete" }, async () => {
        const found = UUID.test(id) ? await o.store.get(caller.project.id, id) : null;
        // Another user's token looks like no token to whoever may not revoke it.
        if (!found || !mayRevoke(caller.project, caller.userId, found)) throw noSuchToken();
        if (!(await o.store.remove(found.id))) throw noSuchToken();
        await o.forget(found.secretHash);
        // Only for the audit row: a GitLab that does not answer now must not undo the revocation.
        const me = await caller.gitlabUser().catch(() => undefined);
        return { result: undefined, status: 200, token: label(found), username: me?.username };
      });
    },
  };
}

export type TokenService = ReturnType<typeof tokenService>;
