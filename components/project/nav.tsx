"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { projectHref, type ProjectSection } from "@/lib/dashboard/project-url";
import { useProject } from "./context";

const TABS: { section: ProjectSection; label: string }[] = [
  { section: "overview", label: "Overview" },
  { section: "experiments", label: "Experiments" },
  { section: "models", label: "Models" },
  { section: "permissions", label: "Permissions" },
  { section: "snippet", label: "Get started" },
];

/** The project's tabs; client-side navigation, the current one marked for assistive technology too. */
export function ProjectNav() {
  const project = useProject();
  const pathname = usePathname();
  const overview = projectHref(project.path);
  return (
    <nav aria-label="Project" className="tabs">
      {TABS.map(({ section, label }) => {
        const href = projectHref(project.path, section);
        const current = section === "overview" ? pathname === overview : pathname === href || pathname.startsWith(`${href}/`) || (section === "experiments" && /\/(runs|compare)(\/|$)/.test(pathname.slice(overview.length)));
        return (
          <Link key={section} href={href} aria-current={current ? "page" : undefined} className={current ? "current" : undefined}>
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
