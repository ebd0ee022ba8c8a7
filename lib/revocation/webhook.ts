import { createHash, timingSafeEqual } from "node:crypto";
import type { Revocation } from "./events";
import { revocationsFor } from "./gitlab-hooks";

/** GitLab's hook payloads that matter here are a few hundred bytes; push events with commits reach tens of KB. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

export interface WebhookOptions {
  /** GITLAB_WEBHOOK_SECRET; without it the endpoint does not exist. */
  secret: string | undefined;
  publish(r: Revocation): Promise<boolean>;
  log: { info(o: object, msg: string): void; debug(o: object, msg: string): void };
}

const answer = (status: number, body: unknown) => Response.json(body, { status, headers: { "cache-control": "no-store" } });
const refusal = (status: number, error_code: string, message: string) => answer(status, { error_code, message });

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Both sides are hashed first, so the comparison takes as long whatever the length or content sent. */
function sameSecret(given: string | null, secret: string): boolean {
  return timingSafeEqual(digest(given ?? ""), digest(secret)) && given !== null;
}

async function readCapped(request: Request): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > WEBHOOK_BODY_LIMIT) return undefined;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > WEBHOOK_BODY_LIMIT) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * POST /api/gitlab/webhook: a GitLab system hook or group/project webhook, authenticated by the
 * secret token GitLab sends in X-Gitlab-Token. Events that change who may see a project drop the
 * matching cache entries on every hub process; any other event is answered 200 and ignored
 * (GitLab disables a hook that keeps failing).
 */
export async function handleGitLabWebhook(request: Request, o: WebhookOptions): Promise<Response> {
  if (!o.secret) {
    return refusal(404, "ENDPOINT_NOT_FOUND", "GitLab webhooks are not enabled on this hub: its administrator must set GITLAB_WEBHOOK_SECRET.");
  }
  // Checked before the body is read: nobody without the secret makes the hub read anything.
  if (!sameSecret(request.headers.get("x-gitlab-token"), o.secret)) {
    return refusal(401, "UNAUTHENTICATED", "The X-Gitlab-Token header does not match this hub's GITLAB_WEBHOOK_SECRET.");
  }
  const text = await readCapped(request);
  if (text === undefined) return refusal(413, "INVALID_PARAMETER_VALUE", `The hook's body is over ${WEBHOOK_BODY_LIMIT} bytes.`);
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return refusal(400, "MALFORMED_REQUEST", "The hook's body is not JSON.");
  }
  const event = request.headers.get("x-gitlab-event") ?? undefined;
  const fields = payload && typeof payload === "object" ? (payload as Record<string, unknown>) : {};
  const name = String(fields.event_name ?? fields.object_kind ?? "").slice(0, 100);
  const found = revocationsFor(payload);
  if (!found) {
    o.log.debug({ event, name }, "ignored a GitLab hook event");
    return answer(200, { revocations: 0 });
  }
  const sent = await Promise.all(found.map((r) => o.publish(r)));
  o.log.info({ event, name, revocations: found.map((r) => r.kind) }, "GitLab hook: cache entries dropped");
  // Dropped here; the other hub processes could not be told (Postgres down): say so, GitLab records it.
  if (sent.includes(false)) return refusal(503, "TEMPORARILY_UNAVAILABLE", "The other hub processes could not be told: the hub's database is unreachable.");
  return answer(200, { revocations: found.length });
}
