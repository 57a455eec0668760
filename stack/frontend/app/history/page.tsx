"use client";

// Past analyses of the current user, newest first.

import { useCallback, useEffect, useState } from "react";
import { AnswerText } from "../../components/AnswerText";
import { useSession } from "../../components/SessionProvider";
import { api, type Analysis } from "../../lib/api";
import { formatDuration } from "../../lib/format";

function when(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

// The API already sorts newest first; sorting again keeps that true whatever the source.
function newestFirst(items: Analysis[]): Analysis[] {
  return [...items].sort((a, b) => (b.started_at ?? "").localeCompare(a.started_at ?? ""));
}

export default function HistoryPage() {
  const { username, ready } = useSession();
  const [items, setItems] = useState<Analysis[] | null>(null);
  const [errors, setErrors] = useState<string[] | null>(null);

  const load = useCallback(async () => {
    const result = await api<{ items: Analysis[] }>("/analyses?limit=50");
    if (result.ok) {
      setItems(newestFirst(result.data.items ?? []));
      setErrors(null);
    } else {
      setErrors(result.errors);
    }
  }, []);

  useEffect(() => {
    if (ready) void load();
  }, [ready, load]);

  return (
    <section>
      <h1>History</h1>
      <div className="list-head">
        <span className="muted">Analyses of {username}</span>
        <button type="button" data-testid="history-refresh" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      {errors ? (
        <div className="form-error" data-testid="form-error" data-form="history" role="alert">
          {errors.join("; ")}
        </div>
      ) : null}
      {items === null && !errors ? <p className="muted">Loading…</p> : null}
      {items !== null && items.length === 0 ? (
        <p className="muted" data-testid="history-empty">
          No analyses yet. Run one on the Analysis page.
        </p>
      ) : null}
      <ul className="history" data-testid="history">
        {(items ?? []).map((a) => (
          <li key={a.id} className="card history-item" data-testid="history-item" data-id={a.id} data-status={a.status}>
            <div className="history-head">
              <strong data-testid="history-symbols">{(a.symbols ?? []).join(", ") || "—"}</strong>
              <span className={`pill status-${a.status}`} data-testid="history-status">
                {a.status}
              </span>
              <span className="muted small" data-testid="history-duration">
                {typeof a.duration_ms === "number" ? formatDuration(a.duration_ms) : "—"}
              </span>
              <span className="muted small">{when(a.started_at)}</span>
            </div>
            {a.question ? <p className="question" data-testid="history-question">{a.question}</p> : null}
            {a.final_text ? <AnswerText text={a.final_text} testId="history-answer" /> : null}
            {a.tool_calls && a.tool_calls.length > 0 ? (
              <p className="muted small">Tools: {a.tool_calls.map((t) => t.name).join(", ")}</p>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
