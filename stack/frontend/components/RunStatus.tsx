"use client";

// The run's progress line: what it is doing, for how long, and how many events arrived. While
// it runs, the time is counted here; once it has ended, the line shows the duration the
// backend recorded for the run, which is the figure History shows.

import { useEffect, useState } from "react";
import { api, type Analysis } from "../lib/api";
import { formatDuration } from "../lib/format";
import type { RunState } from "../lib/timeline";

type Ending = Exclude<RunState["status"], "idle" | "running">;

const ENDINGS: Record<Ending, { word: string; preposition: string }> = {
  done: { word: "Done", preposition: "in" },
  error: { word: "Failed", preposition: "after" },
  cancelled: { word: "Cancelled", preposition: "after" },
};

function phaseText(run: RunState): string {
  if (run.phase === "session") return "Creating session…";
  if (run.phase === "connecting") return "Connecting…";
  return run.eventCount === 0 ? "Waiting for the first event…" : "Streaming…";
}

/** The current time, ticking while `running`. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, [running]);
  return now;
}

/** The recorded duration of the ended run of this session (each run here has a session of its own). */
function useRecordedDuration(sessionId: string | undefined, ended: boolean): number | undefined {
  const [recorded, setRecorded] = useState<{ sessionId: string; ms: number }>();
  useEffect(() => {
    if (!ended || !sessionId) return;
    let current = true;
    void api<{ items: Analysis[] }>(`/analyses?session_id=${encodeURIComponent(sessionId)}&limit=1`).then(
      (result) => {
        const ms = result.ok ? result.data.items[0]?.duration_ms : undefined;
        if (current && typeof ms === "number") setRecorded({ sessionId, ms });
      },
    );
    return () => {
      current = false;
    };
  }, [sessionId, ended]);
  return recorded && recorded.sessionId === sessionId ? recorded.ms : undefined;
}

function Duration({ ms }: { ms: number }) {
  return <span data-testid="run-duration">{formatDuration(Math.max(0, ms))}</span>;
}

function StatusText({ run, now, recordedMs }: { run: RunState; now: number; recordedMs?: number }) {
  const events = `${run.eventCount} event${run.eventCount === 1 ? "" : "s"}`;
  if (run.status === "idle") return <span>Ready</span>;
  if (run.status === "running") {
    return (
      <span>
        {phaseText(run)} <Duration ms={now - (run.startedAt ?? now)} /> · {events}
      </span>
    );
  }
  const { word, preposition } = ENDINGS[run.status];
  if (recordedMs === undefined) return <span>{`${word} · ${events}`}</span>;
  return (
    <span>
      {word} {preposition} <Duration ms={recordedMs} /> · {events}
    </span>
  );
}

export function RunStatus({ run }: { run: RunState }) {
  const running = run.status === "running";
  const now = useNow(running);
  const recordedMs = useRecordedDuration(run.sessionId, !running && run.status !== "idle");
  return (
    <p
      className={`run-status status-${run.status}`}
      data-testid="run-status"
      data-status={run.status}
      data-event-count={run.eventCount}
      role="status"
    >
      {running ? <span className="spinner" aria-hidden="true" /> : null}
      <StatusText run={run} now={now} recordedMs={recordedMs} />
      {run.sessionId ? <span className="muted small"> · session {run.sessionId}</span> : null}
    </p>
  );
}
