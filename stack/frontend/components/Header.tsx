"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { useUser } from "./UserProvider";

const LINKS = [
  { href: "/", label: "Analysis", testId: "nav-analysis" },
  { href: "/watchlists", label: "Watchlists", testId: "nav-watchlists" },
  { href: "/history", label: "History", testId: "nav-history" },
];

export function Header() {
  const pathname = usePathname();
  const { input, valid, setInput } = useUser();
  return (
    <header className="site-header">
      <span className="brand">Stock Analyst</span>
      <nav data-testid="nav">
        {LINKS.map((l) => (
          <Link
            key={l.href}
            href={l.href}
            data-testid={l.testId}
            className={pathname === l.href ? "active" : undefined}
            aria-current={pathname === l.href ? "page" : undefined}
          >
            {l.label}
          </Link>
        ))}
      </nav>
      <label className="user-box">
        User
        <input
          data-testid="user-id-input"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          aria-invalid={!valid}
          title={valid ? "Sent as X-User-Id" : "Letters, digits and _ . @ - only (1-64); using demo-user"}
          size={14}
          spellCheck={false}
        />
      </label>
    </header>
  );
}
