import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { api, apiFetch, redirectToSignIn, setUnauthorizedHandler, type UnauthorizedHandler } from "../lib/api";
import { fetchMe, signIn, signOut, signUp } from "../lib/auth";

// A fetch stand-in that records each call and answers from a queue.
interface Call {
  url: string;
  init: RequestInit;
}
let calls: Call[] = [];
let answers: (() => Response)[] = [];
const realFetch = globalThis.fetch;
let unauthorized = 0;
let previousHandler: UnauthorizedHandler;

function answer(status: number, body?: unknown, headers: Record<string, string> = {}): void {
  answers.push(() =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
    }),
  );
}

beforeEach(() => {
  calls = [];
  answers = [];
  unauthorized = 0;
  previousHandler = setUnauthorizedHandler(() => {
    unauthorized += 1;
  });
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new TypeError("no answer queued");
    return next();
  }) as typeof fetch;
});

afterEach(() => {
  globalThis.fetch = realFetch;
  setUnauthorizedHandler(previousHandler);
});

function headersOf(call: Call): Headers {
  return new Headers(call.init.headers);
}

test("api() sends the session cookie and no X-User-Id", async () => {
  answer(200, { items: [] });
  const result = await api<{ items: unknown[] }>("/watchlists");
  assert.equal(result.ok, true);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, "/api/v1/watchlists");
  assert.equal(calls[0].init.credentials, "same-origin");
  assert.equal(headersOf(calls[0]).has("X-User-Id"), false);
  assert.equal(unauthorized, 0);
});

test("api() keeps If-Match and the JSON body", async () => {
  answer(200, { id: "w1", name: "x", symbols: [], version: 2 }, { ETag: '"2"' });
  const result = await api("/watchlists/w1", { method: "PATCH", body: { name: "x" }, ifMatch: '"1"' });
  assert.deepEqual(result.ok && result.etag, '"2"');
  const h = headersOf(calls[0]);
  assert.equal(h.get("If-Match"), '"1"');
  assert.equal(h.get("Content-Type"), "application/json");
  assert.equal(h.has("X-User-Id"), false);
  assert.equal(calls[0].init.body, '{"name":"x"}');
});

test("a 401 from api() runs the redirect hook once and still returns the error", async () => {
  answer(401, { detail: "sign in first" });
  const result = await api("/analyses?limit=50");
  assert.equal(unauthorized, 1);
  assert.deepEqual(result, { ok: false, status: 401, errors: ["sign in first (HTTP 401)."] });
});

test("other errors do not run the redirect hook", async () => {
  for (const status of [403, 404, 409, 422, 429, 503]) answer(status, { detail: "no" });
  for (let i = 0; i < 6; i++) await api("/watchlists");
  assert.equal(unauthorized, 0);
});

test("apiFetch (ADK sessions, /run_sse) includes credentials and redirects on 401", async () => {
  answer(401, { detail: "sign in first" });
  const res = await apiFetch("/run_sse", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  assert.equal(res.status, 401);
  assert.equal(calls[0].init.credentials, "same-origin");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(unauthorized, 1);
});

test("apiFetch cannot be talked out of sending the cookie", async () => {
  answer(200, {});
  await apiFetch("/apps/stock_analyst/users/alice/sessions", { method: "POST", credentials: "omit" });
  assert.equal(calls[0].init.credentials, "same-origin");
});

test("signIn posts the credentials; a 401 is a wrong password, not a redirect", async () => {
  answer(401, { detail: "wrong username or password" });
  const result = await signIn("alice", "correct horse");
  assert.equal(calls[0].url, "/api/v1/auth/signin");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.credentials, "same-origin");
  assert.deepEqual(JSON.parse(String(calls[0].init.body)), { username: "alice", password: "correct horse" });
  assert.equal(unauthorized, 0);
  assert.deepEqual(result, { ok: false, status: 401, message: "Wrong username or password." });
});

test("signIn success returns the server's username", async () => {
  answer(200, { username: "alice" });
  assert.deepEqual(await signIn("alice", "correct horse"), { ok: true, username: "alice" });
});

test("signIn 429 says how long to wait, from Retry-After", async () => {
  answer(429, { detail: "too many attempts" }, { "Retry-After": "90" });
  const result = await signIn("alice", "x");
  assert.deepEqual(result, {
    ok: false,
    status: 429,
    message: "Too many attempts. Try again in 1 minute and 30 seconds.",
    retryAfterSeconds: 90,
  });
  assert.equal(unauthorized, 0);
});

test("signIn 429 without Retry-After still reads well", async () => {
  answer(429, { detail: "Too many requests." });
  const result = await signIn("alice", "x");
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.message, "Too many attempts. Wait a little, then try again.");
});

test("signUp: 201 signs in, 403 means sign-up is closed, 409 taken, 422 lists fields", async () => {
  answer(201, { username: "bob" });
  assert.deepEqual(await signUp("bob", "0123456789"), { ok: true, username: "bob" });
  assert.equal(calls[0].url, "/api/v1/auth/signup");

  answer(403, { detail: "sign-up is closed" });
  const closed = await signUp("bob", "0123456789");
  assert.equal(!closed.ok && closed.signupClosed, true);
  assert.match(!closed.ok ? closed.message : "", /Sign-up is closed/);

  answer(409, { detail: "username taken" });
  const taken = await signUp("bob", "0123456789");
  assert.equal(!taken.ok && taken.message, "That username is taken. Choose another one.");

  answer(422, { detail: [{ loc: ["body", "password"], msg: "String should have at least 10 characters" }] });
  const invalid = await signUp("bob", "short");
  assert.equal(!invalid.ok && invalid.message, "password: String should have at least 10 characters");
  assert.equal(unauthorized, 0);
});

test("a network failure is an error, not a throw", async () => {
  const result = await signIn("alice", "x");
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.status, 0);
  assert.match(!result.ok ? result.message : "", /^Network error/);
});

test("signOut: 204 and 401 both count as signed out; no redirect hook", async () => {
  answer(204);
  assert.deepEqual(await signOut(), { ok: true });
  assert.equal(calls[0].url, "/api/v1/auth/signout");
  assert.equal(calls[0].init.method, "POST");
  assert.equal(calls[0].init.credentials, "same-origin");
  answer(401, { detail: "sign in first" });
  assert.deepEqual(await signOut(), { ok: true });
  answer(503, { detail: "database unavailable, retry shortly" });
  const failed = await signOut();
  assert.equal(failed.ok, false);
  assert.equal(unauthorized, 0);
});

test("fetchMe: 200 gives the username; 401 runs the redirect hook", async () => {
  answer(200, { username: "alice" });
  assert.deepEqual(await fetchMe(), { status: "signed-in", username: "alice" });
  assert.equal(calls[0].url, "/api/v1/auth/me");
  assert.equal(calls[0].init.credentials, "same-origin");
  assert.equal(unauthorized, 0);

  answer(401, { detail: "sign in first" });
  assert.deepEqual(await fetchMe(), { status: "signed-out" });
  assert.equal(unauthorized, 1);

  answer(502, { detail: "bad gateway" });
  const failed = await fetchMe();
  assert.equal(failed.status, "error");
  assert.equal(unauthorized, 1);
});

test("the default hook goes to /signin?next=<this page>, and never from the sign-in page", async () => {
  const g = globalThis as { window?: unknown };
  const assigned: string[] = [];
  const fakeWindow = (pathname: string, search: string) => ({
    location: { pathname, search, assign: (url: string) => assigned.push(url) },
  });
  try {
    g.window = fakeWindow("/history", "?limit=5");
    redirectToSignIn();
    assert.deepEqual(assigned, ["/signin?next=%2Fhistory%3Flimit%3D5"]);

    // Through apiFetch, with the default hook restored.
    setUnauthorizedHandler(null);
    g.window = fakeWindow("/watchlists", "");
    answer(401, { detail: "sign in first" });
    await api("/watchlists");
    assert.deepEqual(assigned.slice(1), ["/signin?next=%2Fwatchlists"]);

    g.window = fakeWindow("/signin", "?next=%2F");
    redirectToSignIn();
    assert.equal(assigned.length, 2);
  } finally {
    delete g.window;
  }
});
