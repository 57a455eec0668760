import { test } from "node:test";
import assert from "node:assert/strict";
import { authErrorMessage, parseRetryAfter, validateSignup, waitInWords } from "../lib/auth";

test("waitInWords", () => {
  assert.equal(waitInWords(0), "a moment");
  assert.equal(waitInWords(1), "1 second");
  assert.equal(waitInWords(1.2), "2 seconds");
  assert.equal(waitInWords(45), "45 seconds");
  assert.equal(waitInWords(60), "1 minute");
  assert.equal(waitInWords(61), "1 minute and 1 second");
  assert.equal(waitInWords(125), "2 minutes and 5 seconds");
  assert.equal(waitInWords(3600), "1 hour");
  assert.equal(waitInWords(3601), "about 1 hour and 1 minute");
  assert.equal(waitInWords(7199), "2 hours");
});

test("parseRetryAfter reads seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("30"), 30);
  assert.equal(parseRetryAfter(" 5 "), 5);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter(""), null);
  assert.equal(parseRetryAfter("soon"), null);
  assert.equal(parseRetryAfter("-3"), null);
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:29:30 GMT", now), 90);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now), 0);
});

test("authErrorMessage", () => {
  assert.equal(authErrorMessage("signin", 401, { detail: "wrong username or password" }, null), "Wrong username or password.");
  assert.equal(authErrorMessage("signin", 429, undefined, 30), "Too many attempts. Try again in 30 seconds.");
  assert.match(authErrorMessage("signup", 403, { detail: "sign-up is closed" }, null), /^Sign-up is closed/);
  // A 403 at sign-in is something else (e.g. an origin refused): the server's words.
  assert.equal(authErrorMessage("signin", 403, { detail: "Forbidden" }, null), "Forbidden (HTTP 403).");
  assert.equal(authErrorMessage("signin", 502, undefined, null), "Request failed (HTTP 502)");
});

test("validateSignup follows the backend's rules", () => {
  assert.deepEqual(validateSignup("alice", "0123456789"), []);
  assert.deepEqual(validateSignup("a.b_c-9", "x".repeat(128)), []);
  assert.equal(validateSignup("ab", "0123456789").length, 1);
  assert.equal(validateSignup("a".repeat(33), "0123456789").length, 1);
  assert.equal(validateSignup("Alice", "0123456789").length, 1);
  assert.equal(validateSignup("_alice", "0123456789").length, 1);
  assert.equal(validateSignup("al ice", "0123456789").length, 1);
  assert.equal(validateSignup("alice", "012345678").length, 1);
  assert.equal(validateSignup("alice", "x".repeat(129)).length, 1);
  assert.equal(validateSignup("a", "short").length, 2);
});
