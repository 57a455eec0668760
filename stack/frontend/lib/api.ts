// Small helpers for the backend's REST API. Every call goes to the same origin
// (nginx routes /api/ and the ADK paths to the backend); nothing is proxied by Next.

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

export interface ApiOptions {
  user: string;
  method?: string;
  body?: unknown;
  ifMatch?: string;
  signal?: AbortSignal;
}

/** Calls /api/v1/<path> with the user header; never throws. */
export async function api<T>(path: string, opts: ApiOptions): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { "X-User-Id": opts.user, Accept: "application/json" };
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.ifMatch !== undefined) headers["If-Match"] = opts.ifMatch;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
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
