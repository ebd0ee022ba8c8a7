import Link from "next/link";
import { notFound } from "next/navigation";
import { ProjectProvider } from "@/components/project/context";
import { ProjectNav } from "@/components/project/nav";
import { SiteHeader } from "@/components/site-header";
import { Unavailable } from "@/components/unavailable";
import { signInAgain } from "@/lib/auth/sign-in-again";
import { parseProjectLocation, projectHref } from "@/lib/dashboard/project-url";
import { loadProject } from "@/server/dashboard/project";
import { DashboardUnavailable, requireViewer } from "@/server/dashboard/viewer";

export const dynamic = "force-dynamic";

export default async function ProjectLayout({ params, children }: { params: Promise<{ slug: string[] }>; children: React.ReactNode }) {
  const { slug } = await params;
  const location = parseProjectLocation(slug);
  if (!location) notFound();
  const here = `/projects/${slug.join("/")}`;
  let viewer;
  try {
    viewer = await requireViewer(here);
  } catch (e) {
    if (e instanceof DashboardUnavailable) return <Unavailable what={e.message} />;
    throw e;
  }
  const found = await loadProject(viewer, location.projectPath);
  if (found.kind === "rejected") return signInAgain(here);
  if (found.kind === "unavailable") return <Unavailable what={found.what} />;
  if (found.kind === "not-found") notFound();
  const { project } = found;
  return (
    <ProjectProvider project={project}>
      <SiteHeader user={viewer}>
        <span aria-hidden="true">/</span>
        <Link href={projectHref(project.path)} data-testid="project-path">
          {project.path}
        </Link>
        <span className={`badge role-${project.role.replace(/\s+/g, "-").toLowerCase()}`} data-testid="role-badge" title={`Your role in this project (${project.source})`}>
          {project.role}
        </span>
      </SiteHeader>
      <ProjectNav />
      <main className="wide">{children}</main>
    </ProjectProvider>
  );
}
