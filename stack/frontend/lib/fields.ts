// The fields of the agent's tool calls and results as people read them: a label and a unit
// for each (`volatility: 0.2169` → "Volatility (annualized)": "21.7%"). The fields are the
// tools' (stack/backend/API.md); a field without an entry is labelled from its name.

import { formatAmount, formatPercent, formatWhole } from "./format";

/** How a number reads; other values read as they are (lists joined, booleans as yes/no). */
type NumberUnit =
  | "whole"
  | "amount"
  | "percent"
  | "signed-percent"
  /** A fraction shown in percent: 0.2169 → "21.7%". */
  | "fraction-percent";

interface Field {
  label: string;
  unit?: NumberUnit;
}

const FIELDS: Record<string, Field> = {
  symbol: { label: "Symbol" },
  symbols: { label: "Symbols" },
  name: { label: "Name" },
  kind: { label: "Kind" },
  currency: { label: "Currency" },
  start: { label: "From" },
  end: { label: "To" },
  first_date: { label: "First day" },
  last_date: { label: "Last day" },
  points: { label: "Trading days", unit: "whole" },
  sampled: { label: "Chart sampled" },
  first_close: { label: "First close", unit: "amount" },
  last_close: { label: "Last close", unit: "amount" },
  high: { label: "High", unit: "amount" },
  low: { label: "Low", unit: "amount" },
  sma_20: { label: "20-day average", unit: "amount" },
  sma_50: { label: "50-day average", unit: "amount" },
  sma_200: { label: "200-day average", unit: "amount" },
  ema_12: { label: "12-day EMA", unit: "amount" },
  ema_26: { label: "26-day EMA", unit: "amount" },
  rsi_14: { label: "RSI (14 days)", unit: "whole" },
  rsi_signal: { label: "RSI signal" },
  // The tools' trend is the direction of the last 50 closes, not of the whole range.
  trend: { label: "Trend (last 50 trading days)" },
  return_pct: { label: "Return", unit: "signed-percent" },
  volatility: { label: "Volatility (annualized)", unit: "fraction-percent" },
  max_drawdown_pct: { label: "Max drawdown", unit: "percent" },
  best: { label: "Best performer" },
  worst: { label: "Weakest" },
  unknown: { label: "Unknown symbols" },
  known: { label: "Symbols with data" },
};

const MISSING = "n/a";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** "max_drawdown_pct" → "Max drawdown pct", for fields without an entry. */
function labelFromName(key: string): string {
  const words = key.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function fieldLabel(key: string): string {
  return FIELDS[key]?.label ?? labelFromName(key);
}

function plainValue(value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.map(plainValue).join(", ");
  if (isObject(value)) return JSON.stringify(value);
  return String(value);
}

/** One field's value with its unit; `currency` is the unit of its amounts. */
export function formatField(key: string, value: unknown, currency?: string): string {
  if (value === null || value === undefined) return MISSING;
  const unit = FIELDS[key]?.unit;
  if (typeof value !== "number" || unit === undefined) return plainValue(value);
  switch (unit) {
    case "amount":
      return formatAmount(value, currency);
    case "percent":
      return formatPercent(value);
    case "signed-percent":
      return formatPercent(value, true);
    case "fraction-percent":
      return formatPercent(value * 100);
    case "whole":
      return formatWhole(value);
  }
}

export interface FieldRow {
  key: string;
  label: string;
  value: string;
}

function isEmpty(value: unknown): boolean {
  return value === "" || (Array.isArray(value) && value.length === 0);
}

/**
 * The rows to show for a tool's response or arguments: the fields of a nested object (a
 * price summary) become rows of their own, empty lists and strings are left out, and the
 * `skip` fields are shown elsewhere. Amounts take the response's `currency`.
 */
export function fieldRows(data: Record<string, unknown>, skip: string[] = []): FieldRow[] {
  const currency = typeof data.currency === "string" ? data.currency : undefined;
  const rows = (record: Record<string, unknown>): FieldRow[] =>
    Object.entries(record).flatMap(([key, value]) => {
      if (skip.includes(key) || isEmpty(value)) return [];
      if (isObject(value)) return rows(value);
      return [{ key, label: fieldLabel(key), value: formatField(key, value, currency) }];
    });
  return rows(data);
}
