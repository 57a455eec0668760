// The agent message timeline: one item per tool call, tool result, text or error,
// in arrival order.

import { AnswerText } from "./AnswerText";
import { ResultView } from "./ResultView";
import { fieldRows } from "../lib/fields";
import { finalTextKey, type TimelineItem } from "../lib/timeline";

function ToolArguments({ args }: { args: unknown }) {
  const rows = typeof args === "object" && args !== null ? fieldRows(args as Record<string, unknown>) : [];
  if (rows.length === 0) return null;
  return (
    <p className="tool-args" data-testid="tool-args">
      {rows.map((row) => `${row.label}: ${row.value}`).join(" · ")}
    </p>
  );
}

function ItemBody({ item, isFinal }: { item: TimelineItem; isFinal: boolean }) {
  switch (item.kind) {
    case "tool-call":
      return (
        <>
          <div className="item-title">
            Tool call <code data-testid="tool-name">{item.name}</code>
          </div>
          <ToolArguments args={item.args} />
        </>
      );
    case "tool-result": {
      const response = item.response as Record<string, unknown> | undefined;
      return (
        <>
          <div className="item-title">
            {item.warning ? "Tool warning" : "Tool result"} <code data-testid="tool-name">{item.name}</code>
          </div>
          {item.warning && response ? (
            <p className="warning-text" data-testid="tool-warning">
              {String(response.error)}
            </p>
          ) : null}
          <ResultView response={item.response} />
        </>
      );
    }
    case "text":
      return (
        <>
          <div className="item-title">
            {item.author ? `${item.author}` : "Answer"}
            {item.partial ? <span className="badge">streaming…</span> : null}
          </div>
          <AnswerText text={item.text} testId={isFinal ? "final-text" : "streaming-text"} />
        </>
      );
    case "error":
      return (
        <>
          <div className="item-title">Error{item.code ? ` (${item.code})` : ""}</div>
          <p data-testid="error-message">{item.message}</p>
          {item.detail ? <p className="muted small">{item.detail}</p> : null}
        </>
      );
  }
}

export function Timeline({ items }: { items: TimelineItem[] }) {
  const finalKey = finalTextKey(items);
  return (
    <ol className="timeline" data-testid="timeline" aria-live="polite">
      {items.map((item) => {
        const warning = item.kind === "tool-result" && item.warning;
        return (
          <li
            key={item.key}
            className={`item item-${item.kind}${warning ? " item-warning" : ""}`}
            data-testid="timeline-item"
            data-kind={item.kind}
            data-partial={item.kind === "text" && item.partial ? "true" : "false"}
            data-warning={warning ? "true" : undefined}
          >
            <ItemBody item={item} isFinal={item.key === finalKey} />
          </li>
        );
      })}
    </ol>
  );
}
