"use client";

// Who is signed in, shared by all pages. The session itself is an HttpOnly cookie the
// page cannot read, so the provider asks GET /api/v1/auth/me. Until it answers, pages
// that need an account are not rendered (SessionGate); when it answers 401, the
// unauthorized handler in lib/api.ts sends the browser to /signin?next=<this page>.
// The sign-in page needs no account and never asks.

import { usePathname } from "next/navigation";
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import { fetchMe } from "../lib/auth";
import { isSigninPath, signinUrl } from "../lib/redirect";

export type Session =
  | { status: "unknown" }
  | { status: "checking" }
  | { status: "signed-in"; username: string }
  | { status: "signed-out" }
  | { status: "error"; message: string };

interface SessionContextValue {
  session: Session;
  /** The signed-in username (the ADK user), or null. */
  username: string | null;
  /** True once someone is signed in: pages load their data from then on. */
  ready: boolean;
  /** Called by the sign-in page once the backend has accepted the credentials. */
  setSignedIn: (username: string) => void;
  /** Asks /me again (the "Try again" button after an error). */
  check: () => void;
}

const SessionContext = createContext<SessionContextValue>({
  session: { status: "unknown" },
  username: null,
  ready: false,
  setSignedIn: () => undefined,
  check: () => undefined,
});

export function SessionProvider({ children }: { children: React.ReactNode }) {
  const pathname = usePathname() ?? "/";
  const [session, setSession] = useState<Session>({ status: "unknown" });
  // The path last checked while not signed in: one /me per page visit, never a loop.
  const checkedFor = useRef<string | null>(null);

  const check = useCallback(async () => {
    setSession({ status: "checking" });
    const me = await fetchMe();
    if (me.status === "signed-in") setSession({ status: "signed-in", username: me.username });
    else if (me.status === "signed-out") setSession({ status: "signed-out" });
    else setSession({ status: "error", message: me.message });
  }, []);

  useEffect(() => {
    if (isSigninPath(pathname) || session.status === "signed-in") return;
    if (checkedFor.current === pathname) return;
    checkedFor.current = pathname;
    void check();
  }, [pathname, session.status, check]);

  const setSignedIn = useCallback((username: string) => setSession({ status: "signed-in", username }), []);
  const username = session.status === "signed-in" ? session.username : null;

  return (
    <SessionContext.Provider
      value={{ session, username, ready: username !== null, setSignedIn, check: () => void check() }}
    >
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionContextValue {
  return useContext(SessionContext);
}

/** Renders a page only for a signed-in user; the sign-in page always. */
export function SessionGate({ children }: { children: React.ReactNode }) {
  const pathname = usePathname() ?? "/";
  const { session, check } = useSession();
  if (isSigninPath(pathname) || session.status === "signed-in") return <>{children}</>;
  if (session.status === "error") {
    return (
      <div className="form-error" data-testid="session-error" role="alert">
        Could not check your sign-in: {session.message}{" "}
        <button type="button" onClick={check}>
          Try again
        </button>
      </div>
    );
  }
  if (session.status === "signed-out") {
    const here = typeof window === "undefined" ? pathname : `${pathname}${window.location.search}`;
    return (
      <p className="muted" data-testid="session-status" data-status="signed-out" role="status">
        You are not signed in. Taking you to the <a href={signinUrl(here)}>sign-in page</a>…
      </p>
    );
  }
  return (
    <p className="muted" data-testid="session-status" data-status="checking" role="status">
      Checking your sign-in…
    </p>
  );
}
