"use client";

// The sign-in page's form, with a second mode that creates an account. After success
// it goes to `?next=` when that is a path on this site (sanitizeNext), else to "/".
// Labels and button names are stable: the browser tests find them by role and name
// (stack/frontend/README.md lists them).

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useSession } from "./SessionProvider";
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN, signIn, signUp, validateSignup, type AuthMode } from "../lib/auth";
import { sanitizeNext } from "../lib/redirect";

export function SignInForm() {
  const router = useRouter();
  const { setSignedIn } = useSession();
  const [mode, setMode] = useState<AuthMode>("signin");
  const [signupClosed, setSignupClosed] = useState(false);
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [errors, setErrors] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  // Until the page's script runs, the form is inert: typed text would be lost, and a
  // submit would go to the server as a plain form (the password in a URL).
  const [interactive, setInteractive] = useState(false);
  useEffect(() => setInteractive(true), []);
  const signup = mode === "signup";

  function switchMode(to: AuthMode) {
    setMode(to);
    setErrors(null);
    setPassword("");
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const name = username.trim();
    if (!name || !password) {
      setErrors(["Enter your username and password."]);
      return;
    }
    if (signup) {
      const problems = validateSignup(name, password);
      if (problems.length > 0) {
        setErrors(problems);
        return;
      }
    }
    setBusy(true);
    setErrors(null);
    const result = signup ? await signUp(name, password) : await signIn(name, password);
    if (result.ok) {
      setPassword("");
      setSignedIn(result.username);
      // Read at submit time: the page itself is static, the query is the browser's.
      const next = sanitizeNext(new URLSearchParams(window.location.search).get("next"));
      router.replace(next);
      return;
    }
    setBusy(false);
    setErrors([result.message]);
    if (result.signupClosed) {
      // Say why, and stop offering it.
      setSignupClosed(true);
      setMode("signin");
      setPassword("");
    }
  }

  const title = signup ? "Create an account" : "Sign in";
  return (
    <section className="signin">
      <h1 id="signin-title">{title}</h1>
      <form
        className="card signin-form"
        onSubmit={submit}
        method="post"
        data-testid="signin-form"
        data-mode={mode}
        aria-labelledby="signin-title"
        noValidate
      >
        <label htmlFor="signin-username">Username</label>
        <input
          id="signin-username"
          name="username"
          data-testid="username-input"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          autoComplete="username"
          disabled={!interactive}
          autoCapitalize="none"
          spellCheck={false}
          required
          aria-describedby={signup ? "signin-username-hint" : undefined}
          maxLength={signup ? USERNAME_MAX : undefined}
        />
        {signup ? (
          <p id="signin-username-hint" className="hint">
            {USERNAME_MIN}–{USERNAME_MAX} characters: lowercase letters, digits, dots, dashes and underscores,
            starting with a letter or digit.
          </p>
        ) : null}

        <label htmlFor="signin-password">Password</label>
        <input
          id="signin-password"
          name="password"
          type="password"
          data-testid="password-input"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          // Password managers fill a saved password at sign-in and offer a new one at sign-up.
          autoComplete={signup ? "new-password" : "current-password"}
          disabled={!interactive}
          required
          aria-describedby={signup ? "signin-password-hint" : undefined}
          maxLength={PASSWORD_MAX}
        />
        {signup ? (
          <p id="signin-password-hint" className="hint">
            {PASSWORD_MIN}–{PASSWORD_MAX} characters.
          </p>
        ) : null}

        {errors && errors.length > 0 ? (
          <div className="form-error" data-testid="auth-error" role="alert">
            {errors.length === 1 ? (
              errors[0]
            ) : (
              <ul>
                {errors.map((m, i) => (
                  <li key={i}>{m}</li>
                ))}
              </ul>
            )}
          </div>
        ) : null}

        <div className="actions">
          <button type="submit" data-testid="signin-submit" disabled={busy || !interactive}>
            {signup ? "Create account" : "Sign in"}
          </button>
        </div>
      </form>

      {signup ? (
        <p className="signin-switch">
          Have an account?{" "}
          <button type="button" className="link" data-testid="signin-mode" onClick={() => switchMode("signin")}>
            Back to the sign-in form
          </button>
        </p>
      ) : !signupClosed ? (
        <p className="signin-switch">
          New here?{" "}
          <button type="button" className="link" data-testid="signup-mode" onClick={() => switchMode("signup")}>
            Create an account
          </button>
        </p>
      ) : null}
    </section>
  );
}
