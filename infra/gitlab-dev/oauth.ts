/**
 * GitLab's OAuth 2 / OpenID Connect provider (doc/api/oauth2.md, doc/integration/openid_connect_provider.md),
 * built on oidc-provider and bent to GitLab's paths and habits: a refresh token with every code,
 * a refresh that revokes the previous access and refresh tokens, `created_at` in token responses,
 * no `iss` in authorization responses, implicit consent for the configured (trusted) application.
 */
import { randomBytes, generateKeyPair as generateKeyPairCallback } from "node:crypto";
import { promisify } from "node:util";
import Provider, {
  type AccessToken,
  type AccountClaims,
  type Configuration,
  type KoaContextWithOIDC,
} from "oidc-provider";
import { OAuthStore } from "./oauth-store.ts";
import { errorPage } from "./pages.ts";
import { accessLevels, type User, type World } from "./world.ts";

const generateKeyPair = promisify(generateKeyPairCallback);

export interface OAuthApplication {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface OAuthOptions {
  issuer: string;
  world: World;
  /** The application the hub signs in with; without it every client is unknown. */
  application?: OAuthApplication;
  accessTokenTtlSeconds: number;
}

export type OAuthTokenCheck =
  | { status: "valid"; user: User; scopes: string[]; token: AccessToken }
  | { status: "expired" | "revoked" | "unknown" };

export interface OAuth {
  provider: Provider;
  checkAccessToken(value: string): Promise<OAuthTokenCheck>;
  /** Doorkeeper's GET /oauth/token/info answer for an access token. */
  tokenInfo(value: string): Promise<{ status: number; body: unknown }>;
}

const scopes = ["openid", "profile", "email", "read_user", "read_api", "api"];

/** Groups where the user is a direct member with exactly that role. */
const groupRoleClaims = [
  ["https://gitlab.org/claims/groups/owner", accessLevels.owner],
  ["https://gitlab.org/claims/groups/maintainer", accessLevels.maintainer],
  ["https://gitlab.org/claims/groups/developer", accessLevels.developer],
] as const;

/** GitLab releases every claim with `openid`; `userClaims` decides which go to the ID token and which to userinfo. */
const openidClaims = [
  "sub",
  "auth_time",
  "name",
  "nickname",
  "preferred_username",
  "email",
  "email_verified",
  "website",
  "profile",
  "picture",
  "groups",
  "groups_direct",
  ...groupRoleClaims.map(([claim]) => claim),
];

const minute = 60;
const day = 24 * 60 * minute;

function userClaims(world: World, user: User, issuer: string, use: string, scope: string): AccountClaims {
  // GitLab shows the primary email only with the `email` scope, otherwise the public one.
  const email = scope.split(" ").includes("email") ? user.email : user.publicEmail;
  const groups = world.groupsOf(user);
  const claims: AccountClaims = {
    sub: String(user.id),
    name: user.name,
    nickname: user.username,
    preferred_username: user.username,
    ...(email ? { email, email_verified: true } : {}),
    website: "",
    profile: `${issuer}/${user.username}`,
    ...(user.avatarUrl ? { picture: user.avatarUrl } : {}),
  };
  if (use === "id_token") {
    claims.groups_direct = groups.direct.map((group) => group.fullPath);
    return claims;
  }
  claims.groups = groups.all.map((group) => group.fullPath);
  for (const [claim, level] of groupRoleClaims) {
    const paths = groups.directAt(level).map((group) => group.fullPath);
    if (paths.length) claims[claim] = paths;
  }
  return claims;
}

async function signingKey() {
  const { privateKey } = await generateKeyPair("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), alg: "RS256", use: "sig" };
}

export async function createOAuth(options: OAuthOptions): Promise<OAuth> {
  const { issuer, world, application } = options;
  const store = new OAuthStore();

  const configuration: Configuration = {
    adapter: store.adapter,
    clients: application
      ? [
          {
            client_id: application.clientId,
            client_secret: application.clientSecret,
            redirect_uris: application.redirectUris,
            grant_types: ["authorization_code", "refresh_token"],
            response_types: ["code"],
            token_endpoint_auth_method: "client_secret_basic",
          },
        ]
      : [],
    clientAuthMethods: ["client_secret_basic", "client_secret_post"],
    responseTypes: ["code"],
    scopes,
    claims: { openid: openidClaims },
    // GitLab puts profile claims in the ID token even in the code flow.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    jwks: { keys: [await signingKey()] },
    enabledJWA: { idTokenSigningAlgValues: ["RS256"] },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
    },
    routes: {
      authorization: "/oauth/authorize",
      token: "/oauth/token",
      revocation: "/oauth/revoke",
      userinfo: "/oauth/userinfo",
      jwks: "/oauth/discovery/keys",
    },
    interactions: { url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const user = world.userById(Number(sub));
      if (!user) return undefined;
      return { accountId: sub, claims: (use, scope) => userClaims(world, user, issuer, use, scope) };
    },
    // Trusted application: consent is implicit. A fresh grant per authorization keeps each
    // code's token chain apart, so a refresh revokes only that chain's older access token.
    async loadExistingGrant(ctx) {
      const consented = ctx.oidc.result?.consent?.grantId;
      if (consented) return ctx.oidc.provider.Grant.find(consented);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId,
      });
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(" "));
      if (ctx.oidc.requestParamClaims.size) grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
      await grant.save();
      return grant;
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    // GitLab's tokens outlive the browser session that created them.
    expiresWithSession: async () => false,
    pkce: { required: () => false },
    ttl: {
      AccessToken: options.accessTokenTtlSeconds,
      AuthorizationCode: 10 * minute,
      IdToken: 2 * minute,
      RefreshToken: 365 * day,
      Grant: 365 * day,
      Interaction: 60 * minute,
      Session: 7 * day,
    },
    clientBasedCORS: () => false,
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = errorPage({ error: out.error, error_description: out.error_description });
    },
  };

  const provider = new Provider(issuer, configuration);
  // Behind a TLS-terminating proxy the discovery document must still say https.
  provider.proxy = true;
  provider.use(async (ctx, next) => {
    await next();
    await gitlabify(ctx as KoaContextWithOIDC, store, issuer);
  });

  async function checkAccessToken(value: string): Promise<OAuthTokenCheck> {
    let token: AccessToken | undefined;
    try {
      token = await provider.AccessToken.find(value, { ignoreExpiration: true });
    } catch {
      return { status: "unknown" };
    }
    if (!token) return { status: store.wasDestroyed("AccessToken", value) ? "revoked" : "unknown" };
    if (token.isExpired) return { status: "expired" };
    const user = token.accountId ? world.userById(Number(token.accountId)) : undefined;
    if (!user) return { status: "unknown" };
    return { status: "valid", user, scopes: [...token.scopes], token };
  }

  async function tokenInfo(value: string) {
    const check = await checkAccessToken(value);
    if (check.status !== "valid") {
      return { status: 401, body: { error: "invalid_token", error_description: tokenInfoErrors[check.status] } };
    }
    const { token } = check;
    const granted = [...token.scopes];
    return {
      status: 200,
      body: {
        resource_owner_id: check.user.id,
        scope: granted,
        expires_in: token.remainingTTL,
        application: { uid: token.clientId },
        created_at: token.iat,
        // Doorkeeper's older names, still sent by GitLab.
        scopes: granted,
        expires_in_seconds: token.remainingTTL,
      },
    };
  }

  return { provider, checkAccessToken, tokenInfo };
}

const tokenInfoErrors = {
  expired: "The access token expired",
  revoked: "The access token was revoked",
  unknown: "The access token is invalid",
} as const;

/** Reshapes oidc-provider's answers where GitLab's differ. */
async function gitlabify(ctx: KoaContextWithOIDC, store: OAuthStore, issuer: string): Promise<void> {
  const route: string | undefined = ctx.oidc?.route;
  if (route === "token" && ctx.status === 200) {
    const { AccessToken: issued, RotatedRefreshToken: rotated } = ctx.oidc.entities;
    if (!issued) return;
    // Issued during this request; oidc-provider keeps iat in the stored payload only.
    ctx.body = { ...(ctx.body as object), created_at: Math.floor(Date.now() / 1000) };
    if (rotated && issued.grantId) {
      store.destroyGrantEntries("AccessToken", issued.grantId, issued.jti);
      // Destroyed rather than left consumed: replaying it is then a plain invalid_grant, as in
      // GitLab, instead of oidc-provider's replay defence that revokes the whole grant.
      await rotated.destroy();
    }
  } else if (route === "revocation" && ctx.status === 200) {
    ctx.body = {};
  } else if (route === "discovery" && ctx.body) {
    delete (ctx.body as Record<string, unknown>).authorization_response_iss_parameter_supported;
  } else if ((route === "authorization" || route === "resume") && ctx.status === 303) {
    // GitLab sends no RFC 9207 `iss`; clients configured without an issuer (Auth.js's GitLab provider) reject one.
    const location = ctx.response.get("Location");
    if (!location) return;
    const url = new URL(location, issuer);
    if (url.searchParams.get("iss") !== issuer) return;
    url.searchParams.delete("iss");
    ctx.set("Location", url.href);
  }
}
