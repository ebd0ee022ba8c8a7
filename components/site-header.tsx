import Link from "next/link";
import { signOutOfHub } from "@/app/actions";

/** The bar on every signed-in page: where you are, who you are, the way out. */
export function SiteHeader({ user, children }: { user: { name: string; image?: string }; children?: React.ReactNode }) {
  return (
    <header className="top">
      <nav aria-label="Hub" className="crumbs">
        <Link href="/" className="brand">
          MLflow Hub
        </Link>
        {children}
      </nav>
      <div className="who">
        {user.image ? <img src={user.image} alt="" width={28} height={28} /> : null}
        <span data-testid="header-user">{user.name}</span>
        <form action={signOutOfHub}>
          <button type="submit">Sign out</button>
        </form>
      </div>
    </header>
  );
}
