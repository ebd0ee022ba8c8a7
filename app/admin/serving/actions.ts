"use server";

import { revalidatePath } from "next/cache";
import type { StopEndpointState } from "@/components/admin/serving-table";
import { db } from "@/lib/db/client";
import { logger } from "@/lib/logger";
import { requireAdmin } from "@/server/admin/access";
import { gitlabPath } from "@/server/admin/projects";
import { stopEndpointById } from "@/server/admin/serving";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An admin's Stop: the endpoint's desired state becomes stopped through the same manager a
 * project's Developer stops it with, and the audit log names the admin and the project.
 */
export async function stopEndpoint(_: StopEndpointState, form: FormData): Promise<StopEndpointState> {
  const admin = await requireAdmin();
  const id = form.get("endpoint");
  if (typeof id !== "string" || !UUID.test(id)) return { message: "No such endpoint." };
  let done;
  try {
    done = await stopEndpointById(id);
  } catch (e) {
    return { message: `Not stopped: ${(e as Error).message}` };
  }
  if (done.kind === "off") return { message: "Model serving is off on this hub." };
  if (done.kind === "unknown") return { message: "No such endpoint: it may have been removed meanwhile." };
  const { endpoint } = done;
  const project = await gitlabPath(endpoint.projectId, admin.token).catch(() => undefined);
  await db()
    .auditEvent.create({
      data: {
        userId: admin.userId,
        username: admin.username,
        projectId: endpoint.projectId,
        projectPath: project?.state === "found" ? project.path : undefined,
        route: "/admin/serving",
        method: "POST",
        action: "write",
        outcome: "allowed",
        status: 200,
        detail: `stopped the endpoint ${endpoint.model} ${endpoint.kind === "alias" ? `@${endpoint.ref.replace(/^@/, "")}` : `version ${endpoint.ref}`} from the admin page`,
      },
    })
    .catch((e: unknown) => logger().error({ err: e }, "an admin's endpoint stop could not be audited"));
  logger().info({ endpoint: endpoint.id, projectId: endpoint.projectId, model: endpoint.model, ref: endpoint.ref, admin: admin.username }, "endpoint stopped from the admin page");
  revalidatePath("/admin/serving");
  return { message: `Stopped ${endpoint.model} ${endpoint.ref}.` };
}
