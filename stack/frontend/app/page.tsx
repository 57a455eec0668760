"use client";

// Analysis page: creates an ADK session, POSTs to /run_sse and renders the events
// live. The stream is read with fetch + our own parser (EventSource cannot POST).
// The ADK user is the signed-in username (from /me); a 401 from either call sends the
// browser to sign in (apiFetch).

import { useEffect, useReducer, useRef, useState } from "react";
import { RunStatus } from "../components/RunStatus";
import { SymbolSuggestions } from "../components/SymbolSuggestions";
import { Timeline } from "../components/Timeline";
import { useSession } from "../components/SessionProvider";
import { apiFetch, errorText, formatErrors, readErrorBody } from "../lib/api";
import { readSse } from "../lib/sse";
import {
  composeMessage,
  initialRunState,
  parseSymbols,
  runReducer,
  toggleSymbol,
} from "../lib/timeline";

const APP_NAME = "stock_analyst";

export default function AnalysisPage() {
  const { username } = useSession();
  const [symbolsInput, setSymbolsInput] = useState("");
  const [question, setQuestion] = useState("");
  const [formError, setFormError] = useState<string | null>(null);
  const [run, dispatch] = useReducer(runReducer, initialRunState);
  const controllerRef = useRef<AbortController | null>(null);
  const running = run.status === "running";

  // Leaving the page stops the download.
  useEffect(() => () => controllerRef.current?.abort(), []);

  // A failed request before the stream: say what failed and why, as an error item.
  async function reportHttpError(res: Response, what: string) {
    const errors = formatErrors(res.status, await readErrorBody(res));
    dispatch({ type: "http-error", status: res.status, message: `${what}: ${errors.join("; ")}` });
  }

  async function start(e: React.FormEvent) {
    e.preventDefault();
    const symbols = parseSymbols(symbolsInput);
    if (symbols.length === 0) {
      setFormError("Enter at least one symbol, e.g. GOOG, MSFT.");
      return;
    }
    // The page is shown only once signed in (SessionGate); this keeps the types honest.
    if (!username) return;
    const user = username;
    setFormError(null);
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    const { signal } = controller;
    const text = composeMessage(symbols, question);
    dispatch({ type: "start", at: Date.now() });

    try {
      const sessionRes = await apiFetch(`/apps/${APP_NAME}/users/${encodeURIComponent(user)}/sessions`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ state: { symbols, question: question.trim() } }),
        signal,
      });
      if (!sessionRes.ok) {
        await reportHttpError(sessionRes, "Could not create a session");
        return;
      }
      const session = (await sessionRes.json()) as { id: string };
      dispatch({ type: "session", id: session.id });

      const res = await apiFetch("/run_sse", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({
          app_name: APP_NAME,
          user_id: user,
          session_id: session.id,
          new_message: { role: "user", parts: [{ text }] },
          streaming: true,
        }),
        signal,
        cache: "no-store",
      });
      if (!res.ok || !res.body) {
        await reportHttpError(res, "The run could not start");
        return;
      }
      dispatch({ type: "stream-open" });
      for await (const message of readSse(res.body)) {
        // Comments (": ping") only keep the connection alive.
        if (message.type === "event") dispatch({ type: "frame", data: message.data });
      }
      dispatch({ type: "stream-end" });
    } catch (err) {
      if (signal.aborted) dispatch({ type: "cancel" });
      else dispatch({ type: "network-error", message: errorText(err) });
    } finally {
      if (controllerRef.current === controller) controllerRef.current = null;
    }
  }

  function cancel() {
    // The reducer marks the run cancelled right away; the aborted fetch then rejects.
    dispatch({ type: "cancel" });
    controllerRef.current?.abort();
  }

  return (
    <section>
      <h1>Analysis</h1>
      <form className="card run-form" onSubmit={start} data-testid="run-form">
        <label>
          Symbols
          <input
            data-testid="symbols-input"
            value={symbolsInput}
            onChange={(e) => setSymbolsInput(e.target.value)}
            placeholder="GOOG, MSFT"
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        <label>
          Question
          <input
            data-testid="question-input"
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            placeholder="How did they perform and how volatile were they?"
            autoComplete="off"
          />
        </label>
        <div className="actions">
          <button type="submit" data-testid="run-button" disabled={running}>
            Start
          </button>
          <button type="button" data-testid="cancel-button" onClick={cancel} disabled={!running}>
            Cancel
          </button>
        </div>
        <SymbolSuggestions
          chosen={parseSymbols(symbolsInput)}
          onToggle={(symbol) => setSymbolsInput((input) => toggleSymbol(input, symbol))}
        />
        {formError ? (
          <p className="form-error" data-testid="form-error" role="alert">
            {formError}
          </p>
        ) : null}
      </form>

      <RunStatus run={run} />

      {run.status === "idle" ? <p className="muted">Enter symbols and a question, then press Start.</p> : null}
      <Timeline items={run.items} />
    </section>
  );
}
