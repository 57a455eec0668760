// A small inline SVG line of closing prices; no chart library needed for this. Its caption
// says what it spans: the figures (closes, high, low, return) are in the result's rows.

export interface PricePoint {
  date: string;
  close: number;
}

const WIDTH = 260;
const HEIGHT = 56;
const PAD = 3;

/** Keeps points with a numeric close, in the order given. */
export function pricePoints(prices: unknown[]): PricePoint[] {
  return prices.flatMap((p) => {
    if (typeof p !== "object" || p === null) return [];
    const { date, close } = p as { date?: unknown; close?: unknown };
    const value = typeof close === "number" ? close : Number(close);
    return Number.isFinite(value) ? [{ date: String(date ?? ""), close: value }] : [];
  });
}

export function Sparkline({ points, label }: { points: PricePoint[]; label?: string }) {
  if (points.length === 0) return <p className="muted">No prices in this range.</p>;
  const closes = points.map((p) => p.close);
  const min = Math.min(...closes);
  const max = Math.max(...closes);
  const span = max - min || 1;
  const step = points.length > 1 ? (WIDTH - 2 * PAD) / (points.length - 1) : 0;
  const coords = points.map((p, i) => {
    const x = PAD + i * step;
    const y = PAD + (HEIGHT - 2 * PAD) * (1 - (p.close - min) / span);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const first = points[0];
  const last = points[points.length - 1];
  const up = last.close >= first.close;
  return (
    <figure className="sparkline" data-testid="sparkline" data-points={points.length}>
      <svg
        width={WIDTH}
        height={HEIGHT}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${label ?? "Price"} from ${first.date} to ${last.date}`}
      >
        <polyline points={coords.join(" ")} fill="none" className={up ? "line-up" : "line-down"} strokeWidth="1.5" />
      </svg>
      <figcaption>
        {label ? <strong>{label}</strong> : null} {first.date} → {last.date} · {points.length} closes
      </figcaption>
    </figure>
  );
}
