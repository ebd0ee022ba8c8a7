import type { ProjectAction } from "@/lib/gateway/permissions";

/** A project as the dashboard's pages see it (serialisable: it crosses to the browser; no token in it). */
export interface ProjectView {
  id: number;
  /** GitLab path with namespace. */
  path: string;
  name: string;
  visibility: "private" | "internal" | "public";
  topics: string[];
  accessLevel: number;
  /** The viewer's GitLab role name, or "no role" when they reach the project through its visibility. */
  role: string;
  source: "project" | "group" | "visibility" | "ci-job";
  /** What the gateway would allow this viewer: decides which controls a page shows. */
  can: Record<ProjectAction, boolean>;
  /** MLflow workspace of the project. */
  workspace: string;
  trackingUri: string;
  mlflowUiHref: string;
  gitlabUrl: string;
  deleteFloor: "developer" | "maintainer" | "owner";
}
