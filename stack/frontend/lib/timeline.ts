// State of one analysis run: a reducer over the run's lifecycle and the ADK events
// read from /run_sse. Pure (times come in with the actions) so it can be unit tested.
//
// ADK with `streaming: true` sends text twice: first as `partial: true` deltas, then
// once more as one `partial: false` event holding the whole text. The deltas build one
// text item; the aggregate replaces that item's text instead of adding a second copy.

export type RunStatus = "idle" | "running" | "done" | "error" | "cancelled";
export type RunPhase = "session" | "connecting" | "streaming";

export type TimelineItem =
  | { key: number; kind: "tool-call"; name: string; args: unknown; callId?: string }
  | {
      key: number;
      kind: "tool-result";
      name: string;
      response: unknown;
      callId?: string;
      /** The tool answered with an `error` key (e.g. unknown symbol). */
      warning: boolean;
    }
  | { key: number; kind: "text"; text: string; partial: boolean; author?: string }
  | { key: number; kind: "error"; message: string; code?: string; detail?: string; eventId?: string };

export interface RunState {
  status: RunStatus;
  phase: RunPhase;
  items: TimelineItem[];
  /** SSE data frames received (comments such as ": ping" are not counted). */
  eventCount: number;
  startedAt?: number;
  sessionId?: string;
  /** An error was seen; the run ends as "error" once the stream closes. */
  failed: boolean;
  /** A complete (non-partial) text arrived. */
  hasFinalText: boolean;
  nextKey: number;
}

export type RunAction =
  | { type: "start"; at: number }
  | { type: "session"; id: string }
  | { type: "stream-open" }
  | { type: "frame"; data: string }
  | { type: "http-error"; status: number; message: string }
  | { type: "network-error"; message: string }
  | { type: "stream-end" }
  | { type: "cancel" };

export const initialRunState: RunState = {
  status: "idle",
  phase: "session",
  items: [],
  eventCount: 0,
  failed: false,
  hasFinalText: false,
  nextKey: 1,
};

export function runReducer(state: RunState, action: RunAction): RunState {
  if (action.type === "start") {
    return { ...initialRunState, status: "running", startedAt: action.at };
  }
  // Anything that arrives after the run ended (a late frame after Cancel) is ignored.
  if (state.status !== "running") return state;

  switch (action.type) {
    case "session":
      return { ...state, sessionId: action.id, phase: "connecting" };
    case "stream-open":
      return { ...state, phase: "streaming" };
    case "frame":
      return applyFrame(state, action.data);
    case "http-error":
      return finish(
        addItem(state, {
          kind: "error",
          code: `HTTP ${action.status}`,
          message: action.message || `Request failed with HTTP ${action.status}`,
        }),
        "error",
      );
    case "network-error":
      return finish(
        addItem(state, { kind: "error", message: `Network error: ${action.message}` }),
        "error",
      );
    case "cancel":
      return finish(state, "cancelled");
    case "stream-end":
      return endOfStream(state);
  }
}

function endOfStream(state: RunState): RunState {
  if (state.failed) return finish(state, "error");
  if (openPartialIndex(state.items) !== -1) {
    const s = addItem(state, {
      kind: "error",
      message: "The stream ended before the answer was complete.",
    });
    return finish(s, "error");
  }
  if (!state.hasFinalText) {
    const s = addItem(state, {
      kind: "error",
      message:
        state.eventCount === 0
          ? "The stream ended without any events."
          : "The stream ended without a final answer.",
    });
    return finish(s, "error");
  }
  return finish(state, "done");
}

function finish(state: RunState, status: RunStatus): RunState {
  return { ...state, status };
}

// An item before it gets its key (Omit applied to each member of the union).
type OmitKey<T> = T extends unknown ? Omit<T, "key"> : never;
type NewItem = OmitKey<TimelineItem>;

function addItem(state: RunState, item: NewItem): RunState {
  const full = { ...item, key: state.nextKey } as TimelineItem;
  return {
    ...state,
    items: [...state.items, full],
    nextKey: state.nextKey + 1,
    failed: state.failed || item.kind === "error",
  };
}

function openPartialIndex(items: TimelineItem[]): number {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it.kind === "text" && it.partial) return i;
  }
  return -1;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringify(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Applies one SSE data frame (ADK Event JSON, camelCase) to the run. */
export function applyFrame(state: RunState, data: string): RunState {
  let s: RunState = { ...state, eventCount: state.eventCount + 1 };
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    return addItem(s, {
      kind: "error",
      message: "Received an unreadable event from the server.",
      detail: data.slice(0, 300),
    });
  }
  if (!isObject(event)) return s;

  // ADK's last frame after a failure: {"error": "...", "error_details": {...}}.
  if ("error" in event && !("content" in event) && !("author" in event)) {
    const message = stringify(event.error) || "The run failed.";
    const detail = event.error_details !== undefined ? stringify(event.error_details) : undefined;
    const last = s.items[s.items.length - 1];
    // It usually follows an errorCode event about the same failure: fold it in.
    if (last && last.kind === "error") {
      const merged = { ...last, detail: [last.detail, message, detail].filter(Boolean).join(" — ") };
      return { ...s, items: [...s.items.slice(0, -1), merged], failed: true };
    }
    return addItem(s, { kind: "error", message, detail });
  }

  if (event.errorCode !== undefined || event.errorMessage !== undefined) {
    s = upsertError(s, {
      kind: "error",
      message: event.errorMessage ? stringify(event.errorMessage) : "The model reported an error.",
      code: event.errorCode !== undefined ? stringify(event.errorCode) : undefined,
      eventId: typeof event.id === "string" ? event.id : undefined,
    });
  }

  const content = isObject(event.content) ? event.content : undefined;
  const parts = Array.isArray(content?.parts) ? content.parts : [];
  const partial = event.partial === true;
  const author = typeof event.author === "string" ? event.author : undefined;
  let text = "";
  let hasText = false;

  for (const part of parts) {
    if (!isObject(part)) continue;
    if (isObject(part.functionCall)) {
      const call = part.functionCall;
      s = upsertToolItem(s, {
        kind: "tool-call",
        name: String(call.name ?? "?"),
        args: call.args ?? {},
        callId: typeof call.id === "string" ? call.id : undefined,
      });
    } else if (isObject(part.functionResponse)) {
      const res = part.functionResponse;
      const response = res.response ?? {};
      s = upsertToolItem(s, {
        kind: "tool-result",
        name: String(res.name ?? "?"),
        response,
        callId: typeof res.id === "string" ? res.id : undefined,
        warning: isObject(response) && "error" in response,
      });
    } else if (typeof part.text === "string" && part.thought !== true) {
      text += part.text;
      hasText = true;
    }
  }

  if (hasText) s = applyText(s, text, partial, author);
  return s;
}

function applyText(state: RunState, text: string, partial: boolean, author?: string): RunState {
  const open = openPartialIndex(state.items);
  if (partial) {
    if (open === -1) return addItem(state, { kind: "text", text, partial: true, author });
    const item = state.items[open] as Extract<TimelineItem, { kind: "text" }>;
    return replaceAt(state, open, { ...item, text: item.text + text });
  }
  // The aggregate: it replaces the streamed deltas, so the text is shown once.
  const s = { ...state, hasFinalText: true };
  if (open === -1) return addItem(s, { kind: "text", text, partial: false, author });
  const item = state.items[open] as Extract<TimelineItem, { kind: "text" }>;
  return replaceAt(s, open, { ...item, text, partial: false });
}

// A streamed call may show up again inside the aggregate event; the call id keeps it single.
function upsertToolItem(
  state: RunState,
  item: Extract<NewItem, { kind: "tool-call" | "tool-result" }>,
): RunState {
  if (item.callId) {
    const i = state.items.findIndex(
      (it) => it.kind === item.kind && "callId" in it && it.callId === item.callId,
    );
    if (i !== -1) return replaceAt(state, i, { ...item, key: state.items[i].key } as TimelineItem);
  }
  return addItem(state, item);
}

// A streamed failure comes twice, as a partial chunk and in the aggregate (same event id).
function upsertError(state: RunState, item: Extract<NewItem, { kind: "error" }>): RunState {
  const i = item.eventId
    ? state.items.findIndex((it) => it.kind === "error" && it.eventId === item.eventId)
    : -1;
  if (i === -1) return addItem(state, item);
  return { ...replaceAt(state, i, { ...item, key: state.items[i].key }), failed: true };
}

function replaceAt(state: RunState, index: number, item: TimelineItem): RunState {
  const items = state.items.slice();
  items[index] = item;
  return { ...state, items };
}

/** The last complete text of the run, i.e. the answer. */
export function finalTextKey(items: TimelineItem[]): number | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i];
    if (it.kind === "text" && !it.partial) return it.key;
  }
  return undefined;
}

/** Splits "AAPL, msft  goog" into ["AAPL", "MSFT", "GOOG"] without duplicates. */
export function parseSymbols(input: string): string[] {
  const seen = new Set<string>();
  for (const raw of input.split(/[\s,;]+/)) {
    const sym = raw.trim().toUpperCase();
    if (sym) seen.add(sym);
  }
  return [...seen];
}

/** The symbols input with `symbol` added, or taken out if it is there: ("goog", "MSFT") → "GOOG, MSFT". */
export function toggleSymbol(input: string, symbol: string): string {
  const symbols = parseSymbols(input);
  const toggled = symbols.includes(symbol) ? symbols.filter((s) => s !== symbol) : [...symbols, symbol];
  return toggled.join(", ");
}

/** The user message sent to the agent. */
export function composeMessage(symbols: string[], question: string): string {
  const q = question.trim();
  const head = `Analyze ${symbols.join(", ")}`;
  return q ? `${head}: ${q}` : head;
}
