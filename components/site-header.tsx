import Link from "next/link";
import { signOutOfHub } from "@/app/actions";

/** The bar on every signed-in page: where you are, who you are, the way out; `admin` adds the way to /admin. */
export function SiteHeader({ user, admin = false, children }: { user: { name: string; image?: string }; admin?: boolean; children?: React.ReactNode }) {
  return (
    <header className="top">
      <nav aria-label="Hub" className="crumbs">
        <Link href="/" className="brand">
          MLflow Hub
        </Link>
        {children}
      </nav>
      <div className="who">
        {admin ? (
          <Link href="/admin" className="admin-link" data-testid="admin-link">
            Admin
          </Link>
        ) : null}
        {user.image ? <img src={user.image} alt="" width={28} height={28} /> : null}
        <span data-testid="header-user">{user.name}</span>
        <form action={signOutOfHub}>
          <button type="submit">Sign out</button>
        </form>
      </div>
    </header>
  );
}
