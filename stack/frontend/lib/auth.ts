// Accounts: sign in, sign up, sign out and "who am I", against /api/v1/auth on the
// same origin. The session is an HttpOnly cookie set by the backend: nothing here
// reads or stores it; the browser sends it with every call (see apiFetch).

import { apiFetch, errorText, formatErrors, readErrorBody } from "./api";

const AUTH = "/api/v1/auth";

// The backend's rules for new accounts (it checks them too; these give clearer messages).
export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

/** Problems with a new account's username and password, as sentences; empty when fine. */
export function validateSignup(username: string, password: string): string[] {
  const problems: string[] = [];
  if (username.length < USERNAME_MIN || username.length > USERNAME_MAX) {
    problems.push(`The username must be ${USERNAME_MIN} to ${USERNAME_MAX} characters long.`);
  } else if (!USERNAME_PATTERN.test(username)) {
    problems.push(
      "The username may hold only lowercase letters, digits, dots, dashes and underscores, and must start with a letter or digit.",
    );
  }
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    problems.push(`The password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`);
  }
  return problems;
}

/**
 * Seconds to wait from a Retry-After header: either a number of seconds or an HTTP
 * date. Null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === "") return null;
  if (/^\d+$/.test(text)) return Number(text);
  // An HTTP date names its day and month ("Wed, 21 Oct 2015 07:28:00 GMT"); without
  // letters, Date.parse would read "-3" as a year.
  if (!/[A-Za-z]/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A wait in words: "1 second", "45 seconds", "2 minutes and 5 seconds", "about 2 hours". */
export function waitInWords(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s === 0) return "a moment";
  if (s < 60) return plural(s, "second");
  if (s < 3600) {
    const minutes = Math.floor(s / 60);
    const rest = s % 60;
    return rest === 0 ? plural(minutes, "minute") : `${plural(minutes, "minute")} and ${plural(rest, "second")}`;
  }
  const hours = Math.floor(s / 3600);
  const minutes = Math.ceil((s % 3600) / 60);
  if (minutes === 0) return plural(hours, "hour");
  if (minutes === 60) return plural(hours + 1, "hour");
  return `about ${plural(hours, "hour")} and ${plural(minutes, "minute")}`;
}

export type AuthMode = "signin" | "signup";

export type AuthResult =
  | { ok: true; username: string }
  | {
      ok: false;
      status: number;
      message: string;
      /** Set on 429: seconds from Retry-After, when it could be read. */
      retryAfterSeconds?: number;
      /** Set when sign-up answered 403: this server does not take new accounts. */
      signupClosed?: boolean;
    };

export const MESSAGES = {
  wrongCredentials: "Wrong username or password.",
  signupClosed: "Sign-up is closed on this server. Ask its administrator for an account.",
  usernameTaken: "That username is taken. Choose another one.",
  tooManyNoWait: "Too many attempts. Wait a little, then try again.",
};

/** The message for a failed sign-in or sign-up. */
export function authErrorMessage(
  mode: AuthMode,
  status: number,
  body: unknown,
  retryAfterSeconds: number | null,
): string {
  if (status === 401 && mode === "signin") return MESSAGES.wrongCredentials;
  if (status === 429) {
    return retryAfterSeconds === null
      ? MESSAGES.tooManyNoWait
      : `Too many attempts. Try again in ${waitInWords(retryAfterSeconds)}.`;
  }
  if (status === 403 && mode === "signup") return MESSAGES.signupClosed;
  if (status === 409 && mode === "signup") return MESSAGES.usernameTaken;
  return formatErrors(status, body).join(" ");
}

function usernameOf(body: unknown, fallback: string): string {
  if (typeof body === "object" && body !== null && "username" in body) {
    const name = (body as { username: unknown }).username;
    if (typeof name === "string" && name) return name;
  }
  return fallback;
}

async function credentialsCall(mode: AuthMode, username: string, password: string): Promise<AuthResult> {
  let res: Response;
  try {
    res = await apiFetch(
      `${AUTH}/${mode}`,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ username, password }),
        cache: "no-store",
      },
      // A 401 here is a wrong password, not an expired session.
      { redirectOn401: false },
    );
  } catch (err) {
    return { ok: false, status: 0, message: `Network error: ${errorText(err)}` };
  }
  const body = await readErrorBody(res);
  if (res.ok) return { ok: true, username: usernameOf(body, username) };
  const retryAfter = res.status === 429 ? parseRetryAfter(res.headers.get("Retry-After")) : null;
  const result: AuthResult = {
    ok: false,
    status: res.status,
    message: authErrorMessage(mode, res.status, body, retryAfter),
  };
  if (retryAfter !== null) result.retryAfterSeconds = retryAfter;
  if (mode === "signup" && res.status === 403) result.signupClosed = true;
  return result;
}

/** POST /api/v1/auth/signin; on success the backend has set the session cookie. */
export function signIn(username: string, password: string): Promise<AuthResult> {
  return credentialsCall("signin", username, password);
}

/** POST /api/v1/auth/signup; creates the account and signs in. */
export function signUp(username: string, password: string): Promise<AuthResult> {
  return credentialsCall("signup", username, password);
}

/**
 * POST /api/v1/auth/signout (the server revokes the session). A 401 counts as done:
 * there was no session left to end.
 */
export async function signOut(): Promise<{ ok: true } | { ok: false; message: string }> {
  let res: Response;
  try {
    res = await apiFetch(`${AUTH}/signout`, { method: "POST", cache: "no-store" }, { redirectOn401: false });
  } catch (err) {
    return { ok: false, message: `Could not sign out: network error: ${errorText(err)}` };
  }
  if (res.ok || res.status === 401) return { ok: true };
  return { ok: false, message: `Could not sign out: ${formatErrors(res.status, await readErrorBody(res)).join(" ")}` };
}

export type MeResult =
  | { status: "signed-in"; username: string }
  | { status: "signed-out" }
  | { status: "error"; message: string };

/**
 * GET /api/v1/auth/me: who is signed in. A 401 runs the unauthorized handler (the
 * redirect to sign in) like any other call, and answers "signed-out".
 */
export async function fetchMe(): Promise<MeResult> {
  let res: Response;
  try {
    res = await apiFetch(`${AUTH}/me`, { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch (err) {
    return { status: "error", message: `Network error: ${errorText(err)}` };
  }
  const body = await readErrorBody(res);
  if (res.status === 401) return { status: "signed-out" };
  if (!res.ok) return { status: "error", message: formatErrors(res.status, body).join(" ") };
  const username = usernameOf(body, "");
  if (!username) return { status: "error", message: "The server sent an unreadable answer." };
  return { status: "signed-in", username };
}
