"use client";

export function SnippetSection({ rest }: { rest: string[] }) {
  return <p className="empty">snippet {rest.join("/")}</p>;
}
