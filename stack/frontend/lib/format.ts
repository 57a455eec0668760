// Numbers and durations as people read them, the same on every page. Rounding is half to
// even, as Python's format() rounds in the analyst's answers, so a figure in a table and the
// same figure in the answer's text always agree.

function fixed(digits: number, options: Intl.NumberFormatOptions = {}): Intl.NumberFormat {
  return new Intl.NumberFormat("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    roundingMode: "halfEven",
    ...options,
  });
}

const PERCENT = fixed(1, { useGrouping: false });
const SIGNED_PERCENT = fixed(1, { useGrouping: false, signDisplay: "always" });
const AMOUNT = fixed(2);
const WHOLE = fixed(0);
const SECONDS = fixed(1);

/** A value given in percent: 21.69 → "21.7%"; signed, 29.5 → "+29.5%". */
export function formatPercent(value: number, signed = false): string {
  return `${(signed ? SIGNED_PERCENT : PERCENT).format(value)}%`;
}

/** A price or an index level, with its unit when known: 1234.5, "USD" → "1,234.50 USD". */
export function formatAmount(value: number, unit?: string): string {
  const amount = AMOUNT.format(value);
  return unit ? `${amount} ${unit}` : amount;
}

/** 68.43 → "68"; 12345 → "12,345". */
export function formatWhole(value: number): string {
  return WHOLE.format(value);
}

/** How long something took: 850 → "850 ms", 1234 → "1.2 s". */
export function formatDuration(ms: number): string {
  return Math.round(ms) < 1000 ? `${WHOLE.format(ms)} ms` : `${SECONDS.format(ms / 1000)} s`;
}
