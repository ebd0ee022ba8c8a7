import { config } from "@/lib/config";
import { logger } from "@/lib/logger";
import { revocations } from "@/lib/revocation/shared";
import { handleGitLabWebhook } from "@/lib/revocation/webhook";

export const dynamic = "force-dynamic";

export function POST(request: Request): Promise<Response> {
  return handleGitLabWebhook(request, {
    secret: config().GITLAB_WEBHOOK_SECRET,
    publish: (r) => revocations().publish(r),
    log: logger().child({ component: "gitlab-webhook" }),
  });
}
