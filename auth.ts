import NextAuth from "next-auth";
import GitLab from "next-auth/providers/gitlab";
import { hubAdapter } from "@/lib/auth/adapter";
import { sessionForPages } from "@/lib/auth/session";
import { hubTokenKeyring } from "@/lib/auth/token-keys";
import { config } from "@/lib/config";
import { sealAccountTokens } from "@/lib/crypto/account-tokens";
import { db } from "@/lib/db/client";
import { GITLAB_SCOPES } from "@/lib/gitlab/oauth";
import { revokeSession } from "@/lib/revocation/shared";

// Built on first use, not at import: `next build` loads this module without the runtime environment.
export const { handlers, auth, signIn, signOut } = NextAuth(() => {
  const c = config();
  // Auth.js appends "oauth/…" to the base: GitLab under a sub-path needs the trailing slash.
  const baseUrl = `${c.GITLAB_URL}/`;
  return {
    // Seals the GitLab tokens it stores (lib/auth/adapter.ts).
    adapter: hubAdapter(db()),
    session: { strategy: "database", maxAge: 7 * 24 * 3600, updateAge: 24 * 3600 },
    secret: c.AUTH_SECRET,
    trustHost: true,
    providers: [
      GitLab({
        baseUrl,
        // With the openid scope GitLab also returns an ID token, which Auth.js checks against this issuer.
        issuer: c.GITLAB_URL,
        clientId: c.GITLAB_CLIENT_ID,
        clientSecret: c.GITLAB_CLIENT_SECRET,
        authorization: { url: `${baseUrl}oauth/authorize`, params: { scope: GITLAB_SCOPES } },
      }),
    ],
    callbacks: { session: sessionForPages },
    events: {
      // Auth.js has deleted the session's row: every hub process drops it from its gateway's cache now.
      async signOut(message) {
        if ("session" in message && message.session) await revokeSession(message.session.sessionToken);
      },
      // Auth.js links an account once and never updates its tokens: a user whose GitLab
      // grant was revoked (or whose refresh token expired) would stay locked out however
      // often they sign in again. Each sign-in stores the tokens it just got.
      // The GitLab username too (Auth.js keeps only name, email and image): the gateway names a
      // session's writes and deploys by it, as it names a token's by what GitLab says of the token.
      async signIn({ user, account, profile }) {
        if (account?.provider !== "gitlab" || !account.access_token) return;
        // api/v4/user says `username`; an OpenID claim set says `preferred_username`.
        const username = profile?.username ?? profile?.preferred_username;
        if (user.id && typeof username === "string") await db().user.update({ where: { id: user.id }, data: { username } });
        await db().account.updateMany({
          where: { provider: "gitlab", providerAccountId: account.providerAccountId },
          data: sealAccountTokens(hubTokenKeyring(), account, {
            access_token: account.access_token,
            refresh_token: account.refresh_token ?? null,
            expires_at: account.expires_at ?? null,
            scope: account.scope ?? null,
            token_type: account.token_type ?? null,
            id_token: account.id_token ?? null,
          }),
        });
      },
    },
  };
});
