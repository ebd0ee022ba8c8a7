"use client";

export function ExperimentsSection({ rest }: { rest: string[] }) {
  return <p className="empty">experiments {rest.join("/")}</p>;
}
