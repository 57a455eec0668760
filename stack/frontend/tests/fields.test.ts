import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldLabel, fieldRows, formatField } from "../lib/fields";

test("tool fields have labels, and numbers their units", () => {
  assert.equal(fieldLabel("return_pct"), "Return");
  assert.equal(fieldLabel("volatility"), "Volatility (annualized)");
  assert.equal(fieldLabel("trend"), "Trend (last 50 trading days)");
  assert.equal(fieldLabel("some_new_field"), "Some new field");
  assert.equal(formatField("volatility", 0.2169), "21.7%");
  assert.equal(formatField("return_pct", -10.85), "-10.8%");
  assert.equal(formatField("max_drawdown_pct", -20.12), "-20.1%");
  assert.equal(formatField("last_close", 806.19, "USD"), "806.19 USD");
  assert.equal(formatField("rsi_14", 68.43), "68");
  assert.equal(formatField("sma_200", null, "USD"), "n/a");
  assert.equal(formatField("symbols", ["GOOG", "MSFT"]), "GOOG, MSFT");
  assert.equal(formatField("sampled", true), "yes");
  assert.equal(formatField("trend", "uptrend"), "uptrend");
});

test("rows: nested summaries flattened, empty lists and skipped fields left out, amounts in the response's currency", () => {
  const rows = fieldRows(
    {
      symbol: "GOOG",
      currency: "USD",
      summary: { last_close: 806.19, return_pct: 29.5 },
      unknown: [],
      prices: [{ date: "2013-03-01", close: 806.19 }],
      error: "",
    },
    ["prices"],
  );
  assert.deepEqual(
    rows.map((r) => [r.label, r.value]),
    [
      ["Symbol", "GOOG"],
      ["Currency", "USD"],
      ["Last close", "806.19 USD"],
      ["Return", "+29.5%"],
    ],
  );
  assert.deepEqual(
    fieldRows({ unknown: ["TSLA"], known: ["GOOG", "MSFT"] }).map((r) => [r.label, r.value]),
    [
      ["Unknown symbols", "TSLA"],
      ["Symbols with data", "GOOG, MSFT"],
    ],
  );
});
