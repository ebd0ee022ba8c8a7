"use client";

import Form from "next/form";
import { useRef } from "react";
import type { ProjectListParams } from "@/lib/dashboard/project-list";

/**
 * Search and the visibility toggle as a GET form on "/": the URL holds the
 * state, next/form navigates without a reload, and a new search starts at page 1.
 */
export function ProjectFilters({ params }: { params: ProjectListParams }) {
  const form = useRef<HTMLFormElement>(null);
  return (
    <Form action="/" ref={form} role="search" aria-label="Projects" className="project-filters">
      <label className="search">
        <span className="visually-hidden">Search projects</span>
        <input type="search" name="q" defaultValue={params.q} placeholder="Search by name or group" key={params.q} />
      </label>
      <button type="submit">Search</button>
      <label className="toggle">
        <input type="checkbox" name="all" value="1" defaultChecked={params.all} key={String(params.all)} onChange={() => form.current?.requestSubmit()} />
        Include public and internal projects I am not a member of
      </label>
    </Form>
  );
}
