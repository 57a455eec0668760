// Small helpers for the backend's REST API. Every call goes to the same origin
// (nginx routes /api/ and the ADK paths to the backend); nothing is proxied by Next.
//
// Sign-in: the backend sets an HttpOnly session cookie (`sa_session`) that JS never
// reads; every call sends it (`credentials: "same-origin"`). A 401 from any call means
// the session is missing or has expired, and is handled here, in one place: `apiFetch`
// calls the unauthorized handler, which by default goes to /signin?next=<this page>.

import { isSigninPath, signinUrl } from "./redirect";

export type ApiResult<T> =
  | { ok: true; status: number; data: T; etag?: string }
  | { ok: false; status: number; errors: string[] };

export interface Watchlist {
  id: string;
  name: string;
  symbols: string[];
  version: number;
  created_at?: string;
  updated_at?: string;
}

/** A symbol with price data (`GET /api/v1/stocks`). */
export interface StockSymbol {
  symbol: string;
  name: string;
  first_date: string;
  last_date: string;
}

export interface Analysis {
  id: string;
  session_id?: string;
  user_id?: string;
  symbols: string[];
  question?: string | null;
  final_text?: string | null;
  tool_calls?: { name: string; args: unknown }[];
  status: string;
  started_at?: string | null;
  finished_at?: string | null;
  duration_ms?: number | null;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request.",
  401: "Sign in first.",
  403: "Forbidden.",
  404: "Not found.",
  409: "Conflict: it already exists.",
  412: "It was changed elsewhere and has been reloaded; try again.",
  422: "Invalid input.",
  428: "The update needs the current version (If-Match).",
  429: "Too many requests; try again shortly.",
  503: "The service is not ready.",
};

/**
 * Turns an error answer into readable lines. FastAPI sends {"detail": "text"} or,
 * for 422, {"detail": [{"loc": [...], "msg": "..."}]}.
 */
export function formatErrors(status: number, body: unknown): string[] {
  const detail =
    typeof body === "object" && body !== null && "detail" in body
      ? (body as { detail: unknown }).detail
      : undefined;
  if (typeof detail === "string" && detail) {
    // For version conflicts the server's wording alone does not say what to do next.
    const hint = status === 412 || status === 428 ? ` ${STATUS_TEXT[status]}` : "";
    return [`${detail} (HTTP ${status}).${hint}`];
  }
  if (Array.isArray(detail) && detail.length > 0) {
    return detail.map((d) => {
      if (typeof d !== "object" || d === null) return String(d);
      const { loc, msg } = d as { loc?: unknown; msg?: unknown };
      // Drop the "body"/"query" prefix: the user cares about the field name.
      const path = Array.isArray(loc)
        ? loc.filter((p) => p !== "body" && p !== "query" && p !== "path" && p !== "header").join(".")
        : "";
      const text = typeof msg === "string" ? msg : JSON.stringify(d);
      return path ? `${path}: ${text}` : text;
    });
  }
  if (detail !== undefined && detail !== null) return [`${JSON.stringify(detail)} (HTTP ${status})`];
  return [STATUS_TEXT[status] ? `${STATUS_TEXT[status]} (HTTP ${status})` : `Request failed (HTTP ${status})`];
}

/** Reads an error body, which may be JSON or plain text (e.g. an nginx error page). */
export async function readErrorBody(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => "");
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What happens when a call answers 401. */
export type UnauthorizedHandler = () => void;

/**
 * The default: a full page load of /signin?next=<current path and query>, which also
 * drops every bit of the old session's state (timelines, lists). Nothing happens on
 * the sign-in page itself, so a 401 there can never loop.
 */
export function redirectToSignIn(): void {
  if (typeof window === "undefined") return;
  const { pathname, search } = window.location;
  if (isSigninPath(pathname)) return;
  window.location.assign(signinUrl(`${pathname}${search}`));
}

let unauthorizedHandler: UnauthorizedHandler = redirectToSignIn;

/** Replaces the 401 handler (tests use this); `null` restores the default. Returns the previous one. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): UnauthorizedHandler {
  const previous = unauthorizedHandler;
  unauthorizedHandler = handler ?? redirectToSignIn;
  return previous;
}

/** Runs the 401 handler. */
export function handleUnauthorized(): void {
  unauthorizedHandler();
}

export interface ApiFetchOptions {
  /**
   * Whether a 401 runs the unauthorized handler (default true). Sign-in and sign-up
   * pass false: there a 401 means a wrong password, not an expired session.
   */
  redirectOn401?: boolean;
}

/**
 * fetch() for every backend call (REST, ADK sessions, /run_sse): sends the session
 * cookie and turns a 401 into the redirect to sign in. The response is returned as is,
 * so callers still show their own error while the browser navigates away.
 */
export async function apiFetch(url: string, init: RequestInit = {}, opts: ApiFetchOptions = {}): Promise<Response> {
  const res = await fetch(url, { ...init, credentials: "same-origin" });
  if (res.status === 401 && opts.redirectOn401 !== false) handleUnauthorized();
  return res;
}

export interface ApiOptions {
  method?: string;
  body?: unknown;
  ifMatch?: string;
  signal?: AbortSignal;
}

/** Calls /api/v1/<path> as the signed-in user (the session cookie); never throws. */
export async function api<T>(path: string, opts: ApiOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.ifMatch !== undefined) headers["If-Match"] = opts.ifMatch;
  let res: Response;
  try {
    res = await apiFetch(`/api/v1${path}`, {
      method: opts.method ?? "GET",
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      cache: "no-store",
    });
  } catch (err) {
    return { ok: false, status: 0, errors: [`Network error: ${errorText(err)}`] };
  }
  if (!res.ok) return { ok: false, status: res.status, errors: formatErrors(res.status, await readErrorBody(res)) };
  const etag = res.headers.get("ETag") ?? undefined;
  if (res.status === 204) return { ok: true, status: res.status, data: undefined as T, etag };
  try {
    return { ok: true, status: res.status, data: (await res.json()) as T, etag };
  } catch {
    return { ok: false, status: res.status, errors: ["The server sent an unreadable answer."] };
  }
}

/** The If-Match value for a watchlist: its ETag is the quoted version. */
export function etagFor(w: Pick<Watchlist, "version">): string {
  return `"${w.version}"`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
