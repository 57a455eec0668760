// Server-Sent Events parsing for a fetch() response body.
//
// EventSource cannot send a POST, so /run_sse is read with fetch and parsed here.
// The parser follows the WHATWG event-stream rules: lines end in CRLF, LF or CR;
// a blank line dispatches the event; lines starting with ":" are comments (": ping");
// several "data:" lines are joined with "\n". Network chunks can cut a frame (or a
// CRLF pair) anywhere, so unfinished lines stay in the state until the next chunk.

export type SseMessage =
  | { type: "event"; event: string; data: string; id?: string }
  | { type: "comment"; text: string };

export interface SseParserState {
  /** Text received but not yet ended by a line break. */
  buffer: string;
  /** "data:" lines of the event being assembled. */
  data: string[];
  /** "event:" field of the event being assembled ("" means the default, "message"). */
  event: string;
  /** Last "id:" seen; per the spec it carries over to later events. */
  id?: string;
}

export function initialSseState(): SseParserState {
  return { buffer: "", data: [], event: "" };
}

/** Feeds one decoded chunk; returns the new state and every message it completed. */
export function parseSseChunk(
  state: SseParserState,
  chunk: string,
): { state: SseParserState; messages: SseMessage[] } {
  const next: SseParserState = { ...state, data: [...state.data] };
  const messages: SseMessage[] = [];
  const text = state.buffer + chunk;
  let start = 0;

  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== "\n" && ch !== "\r") continue;
    // A CR at the very end may be the first half of a CRLF split across chunks:
    // wait for the next chunk before deciding.
    if (ch === "\r" && i === text.length - 1) break;
    processLine(next, text.slice(start, i), messages);
    if (ch === "\r" && text[i + 1] === "\n") i++;
    start = i + 1;
  }

  next.buffer = text.slice(start);
  return { state: next, messages };
}

/**
 * Call once the body has ended. A trailing line without a line break is still
 * processed, and an event missing only its closing blank line is still delivered,
 * so the last event of a server that closes abruptly is not silently lost.
 */
export function finishSse(state: SseParserState): SseMessage[] {
  const next: SseParserState = { ...state, data: [...state.data] };
  const messages: SseMessage[] = [];
  let rest = state.buffer;
  if (rest.endsWith("\r")) rest = rest.slice(0, -1);
  if (rest !== "") processLine(next, rest, messages);
  if (next.data.length > 0) processLine(next, "", messages);
  return messages;
}

function processLine(state: SseParserState, line: string, out: SseMessage[]): void {
  if (line === "") {
    if (state.data.length > 0) {
      const message: SseMessage = {
        type: "event",
        event: state.event || "message",
        data: state.data.join("\n"),
      };
      if (state.id !== undefined) message.id = state.id;
      out.push(message);
    }
    state.data = [];
    state.event = "";
    return;
  }
  if (line.startsWith(":")) {
    out.push({ type: "comment", text: stripOneSpace(line.slice(1)) });
    return;
  }
  const colon = line.indexOf(":");
  const field = colon === -1 ? line : line.slice(0, colon);
  const value = colon === -1 ? "" : stripOneSpace(line.slice(colon + 1));
  switch (field) {
    case "data":
      state.data.push(value);
      break;
    case "event":
      state.event = value;
      break;
    case "id":
      if (!value.includes("\0")) state.id = value;
      break;
    default:
      // "retry" and unknown fields do not matter for a one-shot POST stream.
      break;
  }
}

function stripOneSpace(value: string): string {
  return value.startsWith(" ") ? value.slice(1) : value;
}

/** A stateful wrapper around the pure functions above. */
export function createSseParser() {
  let state = initialSseState();
  return {
    push(chunk: string): SseMessage[] {
      const result = parseSseChunk(state, chunk);
      state = result.state;
      return result.messages;
    },
    end(): SseMessage[] {
      const messages = finishSse(state);
      state = initialSseState();
      return messages;
    },
  };
}

/**
 * Yields SSE messages from a fetch() body as they arrive. TextDecoder runs in
 * streaming mode so a UTF-8 character split between chunks decodes correctly.
 * Aborting the fetch makes read() reject, which ends the loop with that error.
 */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<SseMessage, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    finished = true;
    yield* parser.push(decoder.decode());
    yield* parser.end();
  } finally {
    // Stops the download when the consumer leaves early.
    if (!finished) reader.cancel().catch(() => undefined);
    try {
      reader.releaseLock();
    } catch {
      // Older engines throw while a read is still pending; the stream is done anyway.
    }
  }
}
