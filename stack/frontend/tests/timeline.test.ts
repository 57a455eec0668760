import { test } from "node:test";
import assert from "node:assert/strict";
import {
  composeMessage,
  finalTextKey,
  initialRunState,
  parseSymbols,
  runReducer,
  toggleSymbol,
  type RunAction,
  type RunState,
} from "../lib/timeline";
import { formatErrors } from "../lib/api";

// ADK event builders (camelCase, as /run_sse sends them).
const call = (name: string, args: object, id = `call-${name}`) =>
  JSON.stringify({ id: "e1", author: "stock_analyst", content: { role: "model", parts: [{ functionCall: { id, name, args } }] } });
const result = (name: string, response: object, id = `call-${name}`) =>
  JSON.stringify({ id: "e2", author: "stock_analyst", content: { role: "user", parts: [{ functionResponse: { id, name, response } }] } });
const text = (t: string, partial: boolean) =>
  JSON.stringify({
    id: "e3",
    author: "stock_analyst",
    partial,
    content: { role: "model", parts: [{ text: t }] },
    ...(partial ? {} : { finishReason: "STOP" }),
  });

function run(...actions: RunAction[]): RunState {
  const all: RunAction[] = [{ type: "start", at: 1000 }, { type: "session", id: "s1" }, { type: "stream-open" }, ...actions];
  return all.reduce(runReducer, initialRunState);
}
const frame = (data: string): RunAction => ({ type: "frame", data });
const end: RunAction = { type: "stream-end" };

test("a full run: call, result, partials folded, final replaces them", () => {
  const s = run(
    frame(call("get_price_history", { symbol: "AAPL" })),
    frame(result("get_price_history", { symbol: "AAPL", prices: [{ date: "2020-01-01", close: 1 }] })),
    frame(text("AAPL rose ", true)),
    frame(text("12% over ", true)),
    frame(text("the year.", true)),
    frame(text("AAPL rose 12% over the year.", false)),
    end,
  );
  assert.equal(s.status, "done");
  assert.equal(s.eventCount, 6);
  assert.deepEqual(
    s.items.map((i) => i.kind),
    ["tool-call", "tool-result", "text"],
  );
  const texts = s.items.filter((i) => i.kind === "text");
  assert.equal(texts.length, 1, "the final text must not be added a second time");
  assert.deepEqual(texts[0], { key: texts[0].key, kind: "text", text: "AAPL rose 12% over the year.", partial: false, author: "stock_analyst" });
  assert.equal(finalTextKey(s.items), texts[0].key);
});

test("partial chunks accumulate into one streaming item", () => {
  const s = run(frame(text("Hel", true)), frame(text("lo", true)));
  assert.equal(s.status, "running");
  const texts = s.items.filter((i) => i.kind === "text");
  assert.equal(texts.length, 1);
  assert.equal(texts[0].kind === "text" && texts[0].text, "Hello");
  assert.equal(texts[0].kind === "text" && texts[0].partial, true);
  assert.equal(finalTextKey(s.items), undefined);
});

test("the final text wins over what the partials said", () => {
  const s = run(frame(text("draft", true)), frame(text("Final answer.", false)), end);
  const texts = s.items.filter((i) => i.kind === "text");
  assert.equal(texts.length, 1);
  assert.equal(texts[0].kind === "text" && texts[0].text, "Final answer.");
});

test("a non-partial text without partials is shown once", () => {
  const s = run(frame(text("Just the answer.", false)), end);
  assert.equal(s.status, "done");
  assert.deepEqual(
    s.items.map((i) => (i.kind === "text" ? [i.text, i.partial] : i.kind)),
    [["Just the answer.", false]],
  );
});

test("a second round of partials after a final text starts a new item", () => {
  const s = run(frame(text("First.", false)), frame(text("Sec", true)), frame(text("ond.", true)), frame(text("Second.", false)), end);
  const texts = s.items.flatMap((i) => (i.kind === "text" ? [i.text] : []));
  assert.deepEqual(texts, ["First.", "Second."]);
  assert.equal(s.status, "done");
});

test("a tool call repeated with the same id is not duplicated", () => {
  const s = run(frame(call("compare_symbols", { symbols: ["A"] }, "c1")), frame(call("compare_symbols", { symbols: ["A", "B"] }, "c1")));
  const calls = s.items.filter((i) => i.kind === "tool-call");
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].kind === "tool-call" && calls[0].args, { symbols: ["A", "B"] });
});

test("a tool response with an error key is a warning, not a failure", () => {
  const s = run(
    frame(call("get_price_history", { symbol: "ZZZZ" })),
    frame(result("get_price_history", { error: "unknown symbol", symbol: "ZZZZ", known: ["AAPL"] })),
    frame(text("I do not know ZZZZ.", false)),
    end,
  );
  const res = s.items.find((i) => i.kind === "tool-result");
  assert.ok(res && res.kind === "tool-result" && res.warning);
  assert.equal(s.status, "done");
});

test("errorCode event then {error} frame: one error item, run failed", () => {
  const s = run(
    frame(text("partial", true)),
    frame(JSON.stringify({ id: "e9", author: "stock_analyst", errorCode: "MODEL_ERROR", errorMessage: "quota exceeded" })),
    frame(JSON.stringify({ error: "quota exceeded", error_details: { type: "RuntimeError" } })),
    end,
  );
  assert.equal(s.status, "error");
  const errors = s.items.filter((i) => i.kind === "error");
  assert.equal(errors.length, 1);
  assert.ok(errors[0].kind === "error" && errors[0].message === "quota exceeded" && errors[0].code === "MODEL_ERROR");
  assert.match(errors[0].kind === "error" ? errors[0].detail ?? "" : "", /RuntimeError/);
});

test("a streamed failure (partial chunk, then the aggregate with the same id) is one error", () => {
  const blocked = { id: "e7", author: "stock_analyst", errorCode: "MODEL_SAFETY", errorMessage: "The AI model declined." };
  const s = run(
    frame(JSON.stringify({ ...blocked, partial: true })),
    frame(JSON.stringify({ ...blocked, partial: false })),
    end,
  );
  assert.equal(s.status, "error");
  assert.deepEqual(
    s.items.map((i) => (i.kind === "error" ? i.code : i.kind)),
    ["MODEL_SAFETY"],
  );
});

test("a bare {error} frame is surfaced", () => {
  const s = run(frame(JSON.stringify({ error: "boom" })), end);
  assert.equal(s.status, "error");
  assert.deepEqual(
    s.items.map((i) => (i.kind === "error" ? i.message : i.kind)),
    ["boom"],
  );
});

test("an unreadable frame is surfaced", () => {
  const s = run(frame("{not json"), frame(text("ok", false)), end);
  assert.equal(s.status, "error");
  assert.equal(s.items[0].kind, "error");
});

test("a stream that ends without a final text is an error", () => {
  const s = run(frame(call("get_watchlist", {})), end);
  assert.equal(s.status, "error");
  const last = s.items[s.items.length - 1];
  assert.ok(last.kind === "error" && /without a final answer/.test(last.message));
});

test("a stream that ends mid-answer keeps the text and adds an error", () => {
  const s = run(frame(text("Half an ans", true)), end);
  assert.equal(s.status, "error");
  assert.deepEqual(
    s.items.map((i) => i.kind),
    ["text", "error"],
  );
});

test("an empty stream is an error, never a silent empty timeline", () => {
  const s = run(end);
  assert.equal(s.status, "error");
  assert.equal(s.items.length, 1);
  assert.ok(s.items[0].kind === "error" && /without any events/.test(s.items[0].message));
});

test("HTTP and network errors before the stream", () => {
  const a = [{ type: "start", at: 0 } as RunAction, { type: "http-error", status: 404, message: "Session not found" } as RunAction].reduce(
    runReducer,
    initialRunState,
  );
  assert.equal(a.status, "error");
  assert.ok(a.items[0].kind === "error" && a.items[0].code === "HTTP 404");
  const b = [{ type: "start", at: 0 } as RunAction, { type: "network-error", message: "Failed to fetch" } as RunAction].reduce(
    runReducer,
    initialRunState,
  );
  assert.equal(b.status, "error");
  assert.ok(b.items[0].kind === "error" && b.items[0].message.includes("Failed to fetch"));
});

test("cancel ends the run and later frames are ignored", () => {
  let s = run(frame(text("abc", true)), { type: "cancel" });
  assert.equal(s.status, "cancelled");
  const after = runReducer(runReducer(s, frame(text("def", true))), end);
  assert.strictEqual(after, s);
  s = runReducer(s, { type: "start", at: 3000 });
  assert.equal(s.status, "running");
  assert.deepEqual(s.items, []);
});

test("thought parts and event-less frames are not shown but counted", () => {
  const s = run(
    frame(JSON.stringify({ content: { parts: [{ text: "thinking", thought: true }] }, partial: true })),
    frame(JSON.stringify({ turnComplete: true })),
  );
  assert.equal(s.items.length, 0);
  assert.equal(s.eventCount, 2);
});

test("symbols and message", () => {
  assert.deepEqual(parseSymbols(" aapl, MSFT  goog,,aapl;ibm "), ["AAPL", "MSFT", "GOOG", "IBM"]);
  assert.equal(composeMessage(["AAPL", "MSFT"], " How volatile? "), "Analyze AAPL, MSFT: How volatile?");
  assert.equal(composeMessage(["AAPL"], ""), "Analyze AAPL");
});

test("a suggested symbol is added to the input, and taken out on a second click", () => {
  assert.equal(toggleSymbol("", "GOOG"), "GOOG");
  assert.equal(toggleSymbol("goog msft", "SPX"), "GOOG, MSFT, SPX");
  assert.equal(toggleSymbol("GOOG, MSFT, SPX", "MSFT"), "GOOG, SPX");
  assert.equal(toggleSymbol("msft", "MSFT"), "");
});

test("API error formatting", () => {
  assert.deepEqual(
    formatErrors(422, {
      detail: [
        { loc: ["body", "name"], msg: "String should have at least 1 character", type: "string_too_short" },
        { loc: ["body", "symbols", 0], msg: "Invalid symbol", type: "value_error" },
      ],
    }),
    ["name: String should have at least 1 character", "symbols.0: Invalid symbol"],
  );
  assert.deepEqual(formatErrors(409, { detail: "watchlist name already exists" }), ["watchlist name already exists (HTTP 409)."]);
  assert.match(formatErrors(412, undefined)[0], /changed.*HTTP 412/);
  assert.match(formatErrors(412, { detail: "version mismatch" })[0], /^version mismatch \(HTTP 412\)\. It was changed/);
  assert.equal(formatErrors(502, "<html>")[0], "Request failed (HTTP 502)");
});
