"use server";

import { revalidatePath } from "next/cache";
import { requireAdmin } from "@/server/admin/access";
import { forgetProjectsOverview } from "@/server/admin/projects";

export async function recomputeProjects() {
  await requireAdmin();
  forgetProjectsOverview();
  revalidatePath("/admin/projects");
}
