import { test } from "node:test";
import assert from "node:assert/strict";
import { answerBlocks } from "../lib/answer";

test("an answer keeps its paragraphs, line breaks and bullet lists", () => {
  const text =
    "Comparison from 2012-03-01 to 2013-03-01:\n- GOOG: +29.5% return\n- MSFT: -10.8% return\n" +
    "Best performer: GOOG; weakest: MSFT.\n\nThis is an analysis of historical prices, not investment advice.";
  assert.deepEqual(answerBlocks(text), [
    { kind: "lines", lines: ["Comparison from 2012-03-01 to 2013-03-01:"] },
    { kind: "list", lines: ["GOOG: +29.5% return", "MSFT: -10.8% return"] },
    { kind: "lines", lines: ["Best performer: GOOG; weakest: MSFT."] },
    { kind: "lines", lines: ["This is an analysis of historical prices, not investment advice."] },
  ]);
  assert.deepEqual(answerBlocks("one\ntwo\r\n\n\n* three\n• four"), [
    { kind: "lines", lines: ["one", "two"] },
    { kind: "list", lines: ["three", "four"] },
  ]);
  // A negative figure at the start of a line is not a bullet.
  assert.deepEqual(answerBlocks("-10.8% over the year"), [{ kind: "lines", lines: ["-10.8% over the year"] }]);
  assert.deepEqual(answerBlocks(""), []);
});
