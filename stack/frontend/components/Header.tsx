"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useState } from "react";
import { signOut } from "../lib/auth";
import { SIGNIN_PATH } from "../lib/redirect";
import { useSession } from "./SessionProvider";

const LINKS = [
  { href: "/", label: "Analysis", testId: "nav-analysis" },
  { href: "/watchlists", label: "Watchlists", testId: "nav-watchlists" },
  { href: "/history", label: "History", testId: "nav-history" },
];

export function Header() {
  const pathname = usePathname();
  const { username } = useSession();
  const [signingOut, setSigningOut] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function onSignOut() {
    setSigningOut(true);
    setError(null);
    const result = await signOut();
    if (result.ok) {
      // A full page load: nothing of this user's pages stays in memory.
      window.location.assign(SIGNIN_PATH);
      return;
    }
    setError(result.message);
    setSigningOut(false);
  }

  return (
    <header className="site-header">
      <span className="brand">Stock Analyst</span>
      {/* Links only for a signed-in user: without a session every page leads to sign-in. */}
      <nav data-testid="nav" aria-label="Main">
        {username
          ? LINKS.map((l) => (
              <Link
                key={l.href}
                href={l.href}
                data-testid={l.testId}
                className={pathname === l.href ? "active" : undefined}
                aria-current={pathname === l.href ? "page" : undefined}
              >
                {l.label}
              </Link>
            ))
          : null}
      </nav>
      {username ? (
        <div className="account">
          <span className="account-name">
            Signed in as{" "}
            <strong data-testid="current-user" data-username={username}>
              {username}
            </strong>
          </span>
          <button
            type="button"
            className="signout"
            data-testid="signout-button"
            onClick={() => void onSignOut()}
            disabled={signingOut}
          >
            Sign out
          </button>
          {error ? (
            <span className="header-error" data-testid="signout-error" role="alert">
              {error}
            </span>
          ) : null}
        </div>
      ) : null}
    </header>
  );
}
