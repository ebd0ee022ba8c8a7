"use client";

export function OverviewSection({ rest }: { rest: string[] }) {
  return <p className="empty">overview {rest.join("/")}</p>;
}
