"use client";

export function RunsSection({ rest }: { rest: string[] }) {
  return <p className="empty">runs {rest.join("/")}</p>;
}
