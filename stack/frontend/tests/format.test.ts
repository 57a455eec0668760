import { test } from "node:test";
import assert from "node:assert/strict";
import { formatAmount, formatDuration, formatPercent, formatWhole } from "../lib/format";

test("percentages have one decimal, a sign when asked, and round half to even as the answer's text does", () => {
  assert.equal(formatPercent(21.69), "21.7%");
  assert.equal(formatPercent(29.5, true), "+29.5%");
  assert.equal(formatPercent(-10.85, true), "-10.8%"); // 10.85 is 10.8499… in binary, as in Python
  assert.equal(formatPercent(-15.7), "-15.7%");
  assert.equal(formatPercent(21.25), "21.2%"); // Python: f"{21.25:.1f}" == "21.2"; toFixed(1) gives "21.3"
  assert.equal(formatPercent(1234.5), "1234.5%");
});

test("amounts have two decimals, thousands separators and their unit", () => {
  assert.equal(formatAmount(806.19, "USD"), "806.19 USD");
  assert.equal(formatAmount(12345.6, "points"), "12,345.60 points");
  assert.equal(formatAmount(751.375), "751.38");
  assert.equal(formatWhole(68.43), "68");
});

test("durations: milliseconds under a second, else seconds with one decimal", () => {
  assert.equal(formatDuration(45.2), "45 ms");
  assert.equal(formatDuration(999.4), "999 ms");
  assert.equal(formatDuration(999.6), "1.0 s");
  assert.equal(formatDuration(1234), "1.2 s");
  assert.equal(formatDuration(61_250), "61.2 s");
});
