// Renders a tool's response: prices as a sparkline, `items` as a table, and every other field
// as a labelled row with its unit (lib/fields.ts).

import { fieldLabel, fieldRows, formatField } from "../lib/fields";
import { Sparkline, pricePoints } from "./Sparkline";

// Fields shown apart from the rows: as the sparkline, the table, and the item's warning.
const SHOWN_APART = ["prices", "items", "error"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function ItemsTable({ rows }: { rows: unknown[] }) {
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
              <th key={c} data-field={c}>
                {fieldLabel(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {objects.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c} data-field={c}>
                  {formatField(c, row[c], typeof row.currency === "string" ? row.currency : undefined)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FieldTable({ data, skip }: { data: Record<string, unknown>; skip?: string[] }) {
  const rows = fieldRows(data, skip);
  if (rows.length === 0) return null;
  return (
    <table className="kv" data-testid="kv-table">
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} data-field={row.key}>
            <th scope="row">{row.label}</th>
            <td>{row.value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ResultView({ response }: { response: unknown }) {
  if (!isObject(response)) return <pre className="json">{JSON.stringify(response, null, 2)}</pre>;
  return (
    <>
      {Array.isArray(response.prices) ? (
        <Sparkline
          points={pricePoints(response.prices)}
          label={typeof response.symbol === "string" ? response.symbol : undefined}
        />
      ) : null}
      {Array.isArray(response.items) ? <ItemsTable rows={response.items} /> : null}
      <FieldTable data={response} skip={SHOWN_APART} />
    </>
  );
}
