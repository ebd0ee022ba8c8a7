import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { SESSION_COOKIES } from "@/lib/gateway/credentials";
import { signInPath } from "./sign-in-path";
import { endHubSession } from "./stale-session";

/**
 * For a page that found GitLab refusing this browser's token: ends the browser's hub
 * session and sends it to sign in, coming back to `returnTo`. Call it outside a try
 * block: like redirect(), it throws to stop rendering.
 */
export async function signInAgain(returnTo: string): Promise<never> {
  const jar = await cookies();
  for (const name of SESSION_COOKIES) {
    const sessionToken = jar.get(name)?.value;
    if (sessionToken) await endHubSession(sessionToken);
  }
  redirect(signInPath(returnTo, true));
}
