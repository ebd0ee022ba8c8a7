"use client";

export function CompareSection({ rest }: { rest: string[] }) {
  return <p className="empty">compare {rest.join("/")}</p>;
}
