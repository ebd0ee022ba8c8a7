/**
 * Signs a demo user in to the hub through the GitLab stand-in with plain HTTP, as a
 * browser would (Auth.js' CSRF token and PKCE cookies, the stand-in's sign-in form,
 * the callback), for suites that need a real session without Playwright.
 */

/** Cookies per origin: the hub and the stand-in share the host name `localhost` but not their cookies' meaning. */
class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  header(url: URL): string {
    return [...(this.jars.get(url.origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  take(url: URL, res: Response) {
    const jar = this.jars.get(url.origin) ?? new Map<string, string>();
    this.jars.set(url.origin, jar);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split("=")[1]) < Date.now()));
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
  }

  get(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }
}

export async function signInThroughStandIn(hubUrl: string, username: string, password: string): Promise<{ sessionToken: string }> {
  const jar = new CookieJar();
  const send = async (target: string | URL, init: RequestInit = {}) => {
    const url = new URL(target);
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as Record<string, string>), cookie: jar.header(url) } });
    jar.take(url, res);
    return { url, res };
  };
  const form = (fields: Record<string, string>) => ({ method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields).toString() });

  const { csrfToken } = (await (await send(`${hubUrl}/api/auth/csrf`)).res.json()) as { csrfToken: string };
  let { url, res } = await send(`${hubUrl}/api/auth/signin/gitlab`, form({ csrfToken, callbackUrl: `${hubUrl}/` }));
  let signedInToForm = false;
  for (let hop = 0; hop < 20; hop++) {
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      ({ url, res } = await send(new URL(location, url)));
      continue;
    }
    const html = res.status === 200 ? await res.text() : "";
    const action = /<form[^>]*action="([^"]*\/oauth\/interaction\/[^"]*\/login)"/.exec(html)?.[1];
    if (action && !signedInToForm) {
      signedInToForm = true;
      ({ url, res } = await send(new URL(action.replaceAll("&amp;", "&"), url), form({ "user[login]": username, "user[password]": password })));
      continue;
    }
    break;
  }
  const sessionToken = jar.get(new URL(hubUrl).origin, "authjs.session-token");
  if (!sessionToken) throw new Error(`signing ${username} in ended at ${url} (${res.status}) without a hub session`);
  return { sessionToken };
}
