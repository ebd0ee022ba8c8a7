import { z } from "zod";

/**
 * What one hub process tells the others to forget. Never a secret: tokens and sessions are
 * named by their SHA-256 (base64url), the key every cache of the hub holds them by.
 */
export type Revocation =
  /** A hub session that ended (sign-out, or a session the gateway or a page ended). */
  | { kind: "session"; hash: string }
  /** A hub project token that was revoked. */
  | { kind: "token"; hash: string }
  /** Every answer about one project, for every caller: by its id and by each of its paths (current and former). */
  | { kind: "project"; id: number; paths: string[] }
  /** Every answer about a project under this group or user namespace (full path). */
  | { kind: "namespace"; path: string }
  /** The answers given to one CI job's token: the job is over, and GitLab no longer accepts its token. */
  | { kind: "job"; id: number }
  /** Everything cached: when it cannot be told which entries an event touches. */
  | { kind: "all" };

const hash = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a SHA-256 in base64url");
const path = z.string().min(1).max(1024);

const revocation = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("session"), hash }),
  z.object({ kind: z.literal("token"), hash }),
  z.object({ kind: z.literal("project"), id: z.number().int().positive(), paths: z.array(path).max(16) }),
  z.object({ kind: z.literal("namespace"), path }),
  z.object({ kind: z.literal("job"), id: z.number().int().positive() }),
  z.object({ kind: z.literal("all") }),
]);

/** On the wire: the revocation and the process that sent it (which has applied it already). */
const message = z.object({ from: z.string().max(64), revocation });

export const encodeMessage = (from: string, r: Revocation) => JSON.stringify({ from, revocation: r });

/** The message in a notification's payload, or undefined for anything else. */
export function decodeMessage(payload: string | undefined): { from: string; revocation: Revocation } | undefined {
  if (!payload) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const parsed = message.safeParse(value);
  return parsed.success ? (parsed.data as { from: string; revocation: Revocation }) : undefined;
}
