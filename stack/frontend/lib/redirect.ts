// Where to go after signing in. The sign-in page takes `?next=<path>`; anything that is
// not a path on this site becomes "/", so a link like /signin?next=https://evil.example
// cannot send a user elsewhere after they typed their password (no open redirect).

export const SIGNIN_PATH = "/signin";

// A stand-in origin to resolve paths against; a result on any other origin is refused.
const BASE = "http://sanitize-next.invalid";
const MAX_LENGTH = 2048;

/** True for the sign-in page itself (a `next` pointing there would loop). */
export function isSigninPath(pathname: string): boolean {
  return pathname === SIGNIN_PATH || pathname.startsWith(`${SIGNIN_PATH}/`);
}

/**
 * Returns `raw` normalised when it is a same-site relative path ("/watchlists?x=1"),
 * else "/". Refused: absolute URLs, scheme-relative "//host", backslashes (browsers read
 * "/\host" as "//host"), control characters (the URL parser drops tabs and newlines, so
 * "/\t/host" would become "//host"), paths whose dot segments normalise to "//host",
 * and the sign-in page itself.
 */
export function sanitizeNext(raw: unknown): string {
  if (typeof raw !== "string" || raw === "" || raw.length > MAX_LENGTH) return "/";
  if (!raw.startsWith("/") || raw.startsWith("//")) return "/";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return "/";
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  // "/.//host" and "/a/..//host" normalise to "//host": check the result too.
  if (!path.startsWith("/") || path.startsWith("//")) return "/";
  if (isSigninPath(url.pathname)) return "/";
  return path;
}

/** The sign-in page's address that comes back to `currentPath` afterwards. */
export function signinUrl(currentPath: string): string {
  return `${SIGNIN_PATH}?next=${encodeURIComponent(sanitizeNext(currentPath))}`;
}
