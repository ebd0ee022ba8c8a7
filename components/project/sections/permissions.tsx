"use client";

export function PermissionsSection({ rest }: { rest: string[] }) {
  return <p className="empty">permissions {rest.join("/")}</p>;
}
