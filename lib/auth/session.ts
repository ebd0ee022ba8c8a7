import type { AdapterSession, AdapterUser } from "next-auth/adapters";
import type { Session } from "next-auth";

/**
 * The session as pages and `GET /api/auth/session` see it: who is signed in and until when.
 * Auth.js hands this callback its database row, whose `sessionToken` is the HttpOnly
 * cookie's value; passed through, any script on a hub page could read it from that endpoint.
 * Only the fields the pages use leave the server (`auth()` callers read `user` only).
 */
export function sessionForPages({ session, user }: { session: Pick<AdapterSession, "expires">; user: AdapterUser }): Session {
  return {
    user: { id: user.id, name: user.name ?? null, email: user.email ?? null, image: user.image ?? null },
    expires: session.expires.toISOString(),
  };
}
