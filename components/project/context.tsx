"use client";

import { createContext, useContext, useMemo } from "react";
import type { ProjectView } from "@/lib/dashboard/project-view";
import { mlflowClient, type MlflowClient } from "@/lib/mlflow-api/client";

const ProjectContext = createContext<ProjectView | null>(null);

export function ProjectProvider({ project, children }: { project: ProjectView; children: React.ReactNode }) {
  return <ProjectContext.Provider value={project}>{children}</ProjectContext.Provider>;
}

/** The project of the page being shown, with what the viewer may do in it. */
export function useProject(): ProjectView {
  const project = useContext(ProjectContext);
  if (!project) throw new Error("useProject() outside a project page");
  return project;
}

/** The project's MLflow through the hub's gateway, authenticated by the browser's session cookie. */
export function useMlflow(): MlflowClient {
  const { id } = useProject();
  return useMemo(() => mlflowClient(id), [id]);
}
