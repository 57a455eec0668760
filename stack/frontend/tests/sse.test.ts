import { test } from "node:test";
import assert from "node:assert/strict";
import { createSseParser, finishSse, initialSseState, parseSseChunk, readSse, type SseMessage } from "../lib/sse";

function parseAll(chunks: string[]): SseMessage[] {
  const parser = createSseParser();
  const out: SseMessage[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  out.push(...parser.end());
  return out;
}

function datas(messages: SseMessage[]): string[] {
  return messages.flatMap((m) => (m.type === "event" ? [m.data] : []));
}

test("one frame in one chunk", () => {
  assert.deepEqual(parseAll(['data: {"a":1}\n\n']), [{ type: "event", event: "message", data: '{"a":1}' }]);
});

test("several frames in one chunk", () => {
  assert.deepEqual(datas(parseAll(["data: 1\n\ndata: 2\n\ndata: 3\n\n"])), ["1", "2", "3"]);
});

test("a frame split across chunks at every position", () => {
  const stream = 'data: {"text":"héllo"}\n\ndata: second\n\n';
  for (let i = 1; i < stream.length; i++) {
    assert.deepEqual(datas(parseAll([stream.slice(0, i), stream.slice(i)])), ['{"text":"héllo"}', "second"], `split at ${i}`);
  }
});

test("one character per chunk", () => {
  const stream = "data: a\r\n\r\n: ping\r\ndata: b\r\ndata: c\r\n\r\n";
  assert.deepEqual(datas(parseAll([...stream])), ["a", "b\nc"]);
});

test("CRLF and lone CR line endings", () => {
  assert.deepEqual(datas(parseAll(["data: x\r\n\r\ndata: y\r\rdata: z\n\n"])), ["x", "y", "z"]);
});

test("a CRLF split between chunks is one line break, not two", () => {
  // If the CR were taken as a full line ending, the LF would be a blank line and
  // dispatch "a" alone before "b" arrives.
  assert.deepEqual(datas(parseAll(["data: a\r", "\ndata: b\r\n\r\n"])), ["a\nb"]);
});

test("comment lines are reported and do not break a frame", () => {
  const messages = parseAll([": ping\n\ndata: 1\n: keep-alive\ndata: 2\n\n"]);
  assert.deepEqual(messages, [
    { type: "comment", text: "ping" },
    // A comment inside a frame is reported as soon as its line is complete.
    { type: "comment", text: "keep-alive" },
    { type: "event", event: "message", data: "1\n2" },
  ]);
});

test("multi-line data is joined with newlines", () => {
  assert.deepEqual(datas(parseAll(["data: {\ndata:  \"a\": 1\ndata: }\n\n"])), ['{\n "a": 1\n}']);
});

test("field parsing: optional space, event and id fields, unknown fields", () => {
  const messages = parseAll(["event: update\nid: 7\nretry: 100\nfoo: bar\ndata:no-space\n\n", "data: next\n\n"]);
  assert.deepEqual(messages, [
    { type: "event", event: "update", data: "no-space", id: "7" },
    // The id carries over; the event type does not.
    { type: "event", event: "message", data: "next", id: "7" },
  ]);
});

test("a blank line without data dispatches nothing", () => {
  assert.deepEqual(parseAll(["\n\n\nevent: x\n\n"]), []);
});

test("the last event is kept when the stream ends without a blank line", () => {
  assert.deepEqual(datas(parseAll(["data: 1\n\ndata: 2"])), ["1", "2"]);
  assert.deepEqual(datas(parseAll(["data: 1\n\ndata: 2\r"])), ["1", "2"]);
});

test("parseSseChunk does not mutate the state it is given", () => {
  const s0 = initialSseState();
  const r1 = parseSseChunk(s0, "data: a\n");
  assert.deepEqual(s0, initialSseState());
  const r2 = parseSseChunk(r1.state, "data: b\n");
  assert.deepEqual(r1.state.data, ["a"]);
  assert.deepEqual(r2.state.data, ["a", "b"]);
  assert.deepEqual(finishSse(r2.state), [{ type: "event", event: "message", data: "a\nb" }]);
});

function streamOf(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });
}

test("readSse decodes UTF-8 split inside a character", async () => {
  const bytes = new TextEncoder().encode('data: {"t":"€uro"}\n\n: ping\n\ndata: 2\n\n');
  // Split inside the three-byte euro sign and elsewhere.
  const cuts = [3, 12, 13, 30];
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, bytes.length]) {
    chunks.push(bytes.slice(prev, c));
    prev = c;
  }
  const messages: SseMessage[] = [];
  for await (const m of readSse(streamOf(chunks))) messages.push(m);
  assert.deepEqual(datas(messages), ['{"t":"€uro"}', "2"]);
  assert.equal(messages.filter((m) => m.type === "comment").length, 1);
});

test("readSse stops early without error when the consumer breaks", async () => {
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(new TextEncoder().encode("data: x\n\n"));
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const m of readSse(body)) {
    assert.equal(m.type, "event");
    break;
  }
  assert.equal(cancelled, true);
});
