"use server";

import { revalidatePath } from "next/cache";
import { listGcRuns, requestGc } from "@/lib/ops/gc";
import { logger } from "@/lib/logger";
import { requireAdmin } from "@/server/admin/access";

export interface RunGcState {
  message?: string;
  requestedId?: string;
}

/** "Run now": one requested row for the mlflow-gc worker, unless a run is already waiting or under way. */
export async function runGcNow(_: RunGcState): Promise<RunGcState> {
  const admin = await requireAdmin();
  const active = (await listGcRuns(5)).find((r) => r.status === "requested" || r.status === "running");
  if (active) return { message: `A run is already ${active.status}.`, requestedId: active.id };
  const run = await requestGc("manual");
  logger().info({ gcRun: run.id, admin: admin.username }, "garbage collection requested from the admin page");
  revalidatePath("/admin/gc");
  return { message: "Requested: the garbage collector picks it up within seconds.", requestedId: run.id };
}
