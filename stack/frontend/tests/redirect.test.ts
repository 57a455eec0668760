import { test } from "node:test";
import assert from "node:assert/strict";
import { isSigninPath, sanitizeNext, signinUrl } from "../lib/redirect";

test("same-site paths are kept, with their query and fragment", () => {
  assert.equal(sanitizeNext("/"), "/");
  assert.equal(sanitizeNext("/watchlists"), "/watchlists");
  assert.equal(sanitizeNext("/history?limit=5"), "/history?limit=5");
  assert.equal(sanitizeNext("/watchlists#tech"), "/watchlists#tech");
  assert.equal(sanitizeNext("/a/b/../c"), "/a/c");
});

test("missing or empty next goes home", () => {
  for (const raw of [null, undefined, "", 42, {}]) assert.equal(sanitizeNext(raw), "/", String(raw));
});

test("absolute and scheme-relative URLs are refused", () => {
  for (const raw of [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example",
    "//evil.example/path",
    "///evil.example",
    "javascript:alert(1)",
    "data:text/html,hi",
    "evil.example",
    "watchlists",
    " /watchlists",
  ]) {
    assert.equal(sanitizeNext(raw), "/", raw);
  }
});

test("backslashes and control characters are refused (browsers read them as //host)", () => {
  for (const raw of ["/\\evil.example", "/\\/evil.example", "/watchlists\\x", "/\t/evil.example", "/\n/evil.example", "/\r/x", "/\u0000"]) {
    assert.equal(sanitizeNext(raw), "/", JSON.stringify(raw));
  }
});

test("dot segments that normalise to //host are refused", () => {
  for (const raw of ["/.//evil.example", "/..//evil.example", "/a/../..//evil.example", "/%2e%2e//evil.example", "/%2E//evil.example"]) {
    assert.equal(sanitizeNext(raw), "/", raw);
  }
});

test("percent-encoded slashes stay a path on this site", () => {
  // Decoded once by URLSearchParams before it gets here: "%2F%2Fevil" arrives as "//evil".
  assert.equal(sanitizeNext(decodeURIComponent("%2F%2Fevil.example")), "/");
  // Still encoded: a path segment, not a host.
  assert.equal(sanitizeNext("/%2F%2Fevil.example"), "/%2F%2Fevil.example");
});

test("the sign-in page itself is never a next (no loop)", () => {
  for (const raw of ["/signin", "/signin?next=/watchlists", "/signin/", "/./signin"]) {
    assert.equal(sanitizeNext(raw), "/", raw);
  }
  assert.equal(sanitizeNext("/signin-help"), "/signin-help");
  assert.equal(isSigninPath("/signin"), true);
  assert.equal(isSigninPath("/signinx"), false);
});

test("overlong values are refused", () => {
  assert.equal(sanitizeNext(`/${"a".repeat(5000)}`), "/");
});

test("signinUrl encodes the path it comes back to", () => {
  assert.equal(signinUrl("/history?limit=5"), "/signin?next=%2Fhistory%3Flimit%3D5");
  assert.equal(signinUrl("/"), "/signin?next=%2F");
  assert.equal(signinUrl("https://evil.example/"), "/signin?next=%2F");
  // What the sign-in page reads back is the same path.
  const next = new URLSearchParams(signinUrl("/watchlists?x=1&y=2").split("?")[1]).get("next");
  assert.equal(sanitizeNext(next), "/watchlists?x=1&y=2");
});
