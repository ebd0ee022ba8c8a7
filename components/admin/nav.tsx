"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export const ADMIN_TABS = [
  { href: "/admin", label: "Health" },
  { href: "/admin/config", label: "Configuration" },
  { href: "/admin/projects", label: "Projects" },
  { href: "/admin/audit", label: "Audit log" },
  { href: "/admin/gateway", label: "Gateway" },
  { href: "/admin/gc", label: "Garbage collection" },
  { href: "/admin/serving", label: "Serving" },
] as const;

/** The admin pages' tabs; the current one marked for assistive technology too. */
export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin" className="tabs">
      {ADMIN_TABS.map(({ href, label }) => {
        const current = href === "/admin" ? pathname === href : pathname === href || pathname.startsWith(`${href}/`);
        return (
          <Link key={href} href={href} aria-current={current ? "page" : undefined} className={current ? "current" : undefined}>
            {label}
          </Link>
        );
      })}
    </nav>
  );
}
