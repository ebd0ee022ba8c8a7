"use client";

export function ModelsSection({ rest }: { rest: string[] }) {
  return <p className="empty">models {rest.join("/")}</p>;
}
