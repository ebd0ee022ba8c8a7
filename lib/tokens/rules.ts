import { z } from "zod";
import type { ProjectView } from "@/lib/dashboard/project-view";
import { ACCESS_LEVEL } from "@/lib/gateway/permissions";

/**
 * `read` reads the project's MLflow; `write` also creates, updates and deletes as far as
 * its owner's current role allows: a token never does more than its owner could.
 */
export const TOKEN_ACCESS = ["read", "write"] as const;
export type ProjectTokenAccess = (typeof TOKEN_ACCESS)[number];

export const DEFAULT_TOKEN_DAYS = 90;
export const TOKEN_NAME_MAX = 80;
const DAY_MS = 86_400_000;

/** What the rules need of the viewer: decide()'s verdicts on their session, and their role. */
export type TokenViewer = Pick<ProjectView, "can" | "accessLevel">;

/**
 * The kinds of token the viewer may create: only a member (reading through the project's
 * visibility gives no token), and only what decide() lets their own role do.
 */
export function creatableAccess(v: TokenViewer): ProjectTokenAccess[] {
  if (v.accessLevel < ACCESS_LEVEL.guest) return [];
  return TOKEN_ACCESS.filter((a) => v.can[a]);
}

/** Maintainers and Owners see and revoke every token of the project; everyone else only their own. */
export const managesAllTokens = (v: TokenViewer) => v.accessLevel >= ACCESS_LEVEL.maintainer;

export const mayRevoke = (v: TokenViewer, viewerId: string, token: { userId: string }) => token.userId === viewerId || managesAllTokens(v);

export const defaultTokenDays = (maxDays: number) => Math.min(DEFAULT_TOKEN_DAYS, maxDays);

/** The request to create a token, as the hub accepts it. */
export const newTokenRequest = (maxDays: number) =>
  z.strictObject({
    name: z
      .string({ error: "name is required" })
      .trim()
      .min(1, "name is required")
      .max(TOKEN_NAME_MAX, `name must be at most ${TOKEN_NAME_MAX} characters`)
      .regex(/^[^\p{C}]*$/u, "name must not contain control characters"),
    access: z.enum(TOKEN_ACCESS, { error: "access must be read or write" }),
    days: z.number({ error: "days must be a whole number of days" }).int("days must be a whole number of days").min(1, "days must be at least 1").max(maxDays, `days must be at most ${maxDays} (PROJECT_TOKEN_MAX_DAYS)`),
  });

export type NewTokenRequest = z.infer<ReturnType<typeof newTokenRequest>>;

export const expiryAfter = (days: number, now: Date) => new Date(now.getTime() + days * DAY_MS);
