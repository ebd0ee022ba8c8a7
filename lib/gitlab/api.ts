import { config } from "@/lib/config";

export interface GitLabUser {
  id: number;
  username: string;
  name: string;
  email?: string;
  avatar_url?: string;
  web_url?: string;
  is_admin?: boolean;
}

export class GitLabApiError extends Error {
  override name = "GitLabApiError";
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** GET on GitLab's API v4 with a caller's token; the token never appears in an error. */
export async function gitlabGet<T>(path: string, token: string, timeoutMs = 10_000): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${config().GITLAB_URL}/api/v4${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new GitLabApiError(`GitLab is unreachable (${(e as Error).name})`, 503);
  }
  if (!res.ok) {
    await res.arrayBuffer();
    throw new GitLabApiError(`GitLab answered ${res.status} to GET ${path.split("?")[0]}`, res.status);
  }
  return (await res.json()) as T;
}

export const currentGitLabUser = (token: string) => gitlabGet<GitLabUser>("/user", token);
