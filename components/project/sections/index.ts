import type { ComponentType } from "react";
import type { ProjectSection } from "@/lib/dashboard/project-url";
import { CompareSection } from "./compare";
import { ExperimentsSection } from "./experiments";
import { ModelsSection } from "./models";
import { OverviewSection } from "./overview";
import { PermissionsSection } from "./permissions";
import { RunsSection } from "./runs";
import { SnippetSection } from "./snippet";

/** Each project page's component; `rest` is what follows the section in the URL. */
export const projectSections: Record<ProjectSection, ComponentType<{ rest: string[] }>> = {
  overview: OverviewSection,
  experiments: ExperimentsSection,
  runs: RunsSection,
  compare: CompareSection,
  models: ModelsSection,
  permissions: PermissionsSection,
  snippet: SnippetSection,
};
