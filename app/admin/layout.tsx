import type { Metadata } from "next";
import Link from "next/link";
import { AdminNav } from "@/components/admin/nav";
import { SiteHeader } from "@/components/site-header";
import { requireAdmin } from "@/server/admin/access";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: { default: "Admin", template: "%s · Admin · MLflow Hub" }, robots: { index: false } };

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const admin = await requireAdmin();
  return (
    <>
      <SiteHeader user={admin} admin>
        <span aria-hidden="true">/</span>
        <Link href="/admin">Admin</Link>
        <span className="badge" data-testid="admin-via" title={admin.via === "HUB_ADMINS" ? "Listed in HUB_ADMINS" : "An administrator of the GitLab instance"}>
          {admin.via === "HUB_ADMINS" ? "hub admin" : "GitLab admin"}
        </span>
      </SiteHeader>
      <AdminNav />
      <main className="wide admin">{children}</main>
    </>
  );
}
