import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { projectSections } from "@/components/project/sections";
import { parseProjectLocation } from "@/lib/dashboard/project-url";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ slug: string[] }> }): Promise<Metadata> {
  const location = parseProjectLocation((await params).slug);
  return { title: location ? `${location.section === "overview" ? "" : `${location.section} · `}${location.projectPath}` : "Not found" };
}

/** One project page: the layout has resolved the project and the viewer's access; this picks the section. */
export default async function ProjectPage({ params }: { params: Promise<{ slug: string[] }> }) {
  const location = parseProjectLocation((await params).slug);
  if (!location) notFound();
  const Section = projectSections[location.section];
  return <Section rest={location.rest} />;
}
