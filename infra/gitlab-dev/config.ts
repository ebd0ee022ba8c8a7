/** The stand-in's environment, read and validated once; a bad variable is reported by name. */
import { z } from "zod";
import type { GitLabDevOptions } from "./server.ts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Empty variables count as unset, as compose files and .env files write them. */
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return !url.search && !url.hash;
  }, "must have no query or fragment");

const envSchema = z
  .object({
    GITLAB_DEV_FIXTURE: z.string({ error: "is required" }).min(1, "is required"),
    GITLAB_DEV_HOST: z.preprocess(unsetIfEmpty, z.string().default("127.0.0.1")),
    GITLAB_DEV_PORT: z.preprocess(unsetIfEmpty, wholeNumber(0, 65535).default(3001)),
    GITLAB_DEV_URL: z.preprocess(unsetIfEmpty, httpUrl.optional()),
    GITLAB_DEV_LATENCY_MS: z.preprocess(unsetIfEmpty, wholeNumber(0, 60_000).default(0)),
    GITLAB_DEV_CLIENT_ID: z.preprocess(unsetIfEmpty, z.string().optional()),
    GITLAB_DEV_CLIENT_SECRET: z.preprocess(unsetIfEmpty, z.string().optional()),
    GITLAB_DEV_REDIRECT_URIS: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .transform((value) => value.split(",").map((uri) => uri.trim()).filter(Boolean))
        .pipe(z.array(httpUrl, { error: "must be comma-separated http(s) URLs" }).min(1))
        .optional(),
    ),
    GITLAB_DEV_ACCESS_TOKEN_TTL: z.preprocess(unsetIfEmpty, wholeNumber(1, 365 * 24 * 3600).default(7200)),
  })
  .superRefine((env, ctx) => {
    const application = ["GITLAB_DEV_CLIENT_ID", "GITLAB_DEV_CLIENT_SECRET", "GITLAB_DEV_REDIRECT_URIS"] as const;
    const given = application.filter((name) => env[name] !== undefined);
    if (given.length === 0 || given.length === application.length) return;
    for (const name of application) {
      if (env[name] === undefined) {
        ctx.addIssue({ code: "custom", path: [name], message: `is required when ${given.join(" and ")} is set` });
      }
    }
  });

/** Options for startGitLabDev from the environment; throws ConfigError with one line naming each bad variable. */
export function readConfig(env: Record<string, string | undefined>): GitLabDevOptions {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; "),
    );
  }
  const e = parsed.data;
  return {
    fixturePath: e.GITLAB_DEV_FIXTURE,
    host: e.GITLAB_DEV_HOST,
    port: e.GITLAB_DEV_PORT,
    publicUrl: e.GITLAB_DEV_URL,
    latencyMs: e.GITLAB_DEV_LATENCY_MS,
    accessTokenTtlSeconds: e.GITLAB_DEV_ACCESS_TOKEN_TTL,
    application:
      e.GITLAB_DEV_CLIENT_ID && e.GITLAB_DEV_CLIENT_SECRET && e.GITLAB_DEV_REDIRECT_URIS
        ? {
            clientId: e.GITLAB_DEV_CLIENT_ID,
            clientSecret: e.GITLAB_DEV_CLIENT_SECRET,
            redirectUris: e.GITLAB_DEV_REDIRECT_URIS,
          }
        : undefined,
  };
}
