// An answer of the agent, with its paragraphs, line breaks and bullet lists: the same on the
// analysis page, live, and in History.

import { Fragment } from "react";
import { answerBlocks } from "../lib/answer";

export function AnswerText({ text, testId }: { text: string; testId: string }) {
  return (
    <div className="answer" data-testid={testId}>
      {answerBlocks(text).map((block, i) =>
        block.kind === "list" ? (
          <ul key={i}>
            {block.lines.map((line, j) => (
              <li key={j}>{line}</li>
            ))}
          </ul>
        ) : (
          <p key={i}>
            {block.lines.map((line, j) => (
              <Fragment key={j}>
                {j > 0 ? <br /> : null}
                {line}
              </Fragment>
            ))}
          </p>
        ),
      )}
    </div>
  );
}
