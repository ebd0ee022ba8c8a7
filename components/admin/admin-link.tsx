import Link from "next/link";
import { adminViewer } from "@/server/admin/access";

export function AdminLink() {
  return (
    <Link href="/admin" className="admin-link" data-testid="admin-link">
      Admin
    </Link>
  );
}

/** The link for whoever administers the hub; nothing for anyone else (one cached check per request). */
export async function AdminLinkForViewer() {
  return (await adminViewer()) ? <AdminLink /> : null;
}
