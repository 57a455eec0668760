// Renders a tool's response object: prices as a sparkline, `items` as a table,
// anything else as key/value rows.

import { Sparkline, pricePoints } from "./Sparkline";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
  if (typeof value === "string") return value;
  if (Array.isArray(value) && value.every((v) => typeof v !== "object" || v === null)) return value.join(", ");
  return JSON.stringify(value);
}

export function ItemsTable({ rows }: { rows: unknown[] }) {
  const objects = rows.filter(isObject);
  if (objects.length === 0) return <p className="muted">No items.</p>;
  // Columns in first-seen order across all rows.
  const columns: string[] = [];
  for (const row of objects) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  return (
    <div className="table-wrap">
      <table data-testid="result-table">
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {objects.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{formatValue(row[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function KeyValueTable({ data, skip = [] }: { data: Record<string, unknown>; skip?: string[] }) {
  const entries = Object.entries(data).filter(([k]) => !skip.includes(k));
  if (entries.length === 0) return null;
  return (
    <table className="kv" data-testid="kv-table">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{formatValue(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ResultView({ response }: { response: unknown }) {
  if (!isObject(response)) return <pre className="json">{JSON.stringify(response, null, 2)}</pre>;
  if (Array.isArray(response.prices)) {
    const label = typeof response.symbol === "string" ? response.symbol : undefined;
    return (
      <>
        <Sparkline points={pricePoints(response.prices)} label={label} />
        <KeyValueTable data={response} skip={["prices"]} />
      </>
    );
  }
  if (Array.isArray(response.items)) {
    return (
      <>
        <ItemsTable rows={response.items} />
        <KeyValueTable data={response} skip={["items"]} />
      </>
    );
  }
  return <KeyValueTable data={response} />;
}
