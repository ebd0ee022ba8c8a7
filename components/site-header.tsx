import Link from "next/link";
import { signOutOfHub } from "@/app/actions";
import { AdminLink, AdminLinkForViewer } from "@/components/admin/admin-link";

/**
 * The bar on every signed-in page: where you are, who you are, the way out, and
 * for the hub's admins the way to /admin (`admin` when the page already knows;
 * otherwise the header asks).
 */
export function SiteHeader({ user, admin, children }: { user: { name: string; image?: string }; admin?: boolean; children?: React.ReactNode }) {
  return (
    <header className="top">
      <nav aria-label="Hub" className="crumbs">
        <Link href="/" className="brand">
          MLflow Hub
        </Link>
        {children}
      </nav>
      <div className="who">
        {admin === undefined ? <AdminLinkForViewer /> : admin ? <AdminLink /> : null}
        {user.image ? <img src={user.image} alt="" width={28} height={28} /> : null}
        <span data-testid="header-user">{user.name}</span>
        <form action={signOutOfHub}>
          <button type="submit">Sign out</button>
        </form>
      </div>
    </header>
  );
}
