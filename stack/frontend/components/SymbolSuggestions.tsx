"use client";

// The symbols the backend has prices for, offered under the symbols input: a click adds one
// to the input, a second click takes it out again.

import { useEffect, useState } from "react";
import { api, type StockSymbol } from "../lib/api";

export function SymbolSuggestions({ chosen, onToggle }: { chosen: string[]; onToggle: (symbol: string) => void }) {
  const [symbols, setSymbols] = useState<StockSymbol[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    void api<{ items: StockSymbol[] }>("/stocks").then((result) => {
      if (!current) return;
      if (result.ok) setSymbols(result.data.items);
      else setError(result.errors.join("; "));
    });
    return () => {
      current = false;
    };
  }, []);

  if (error) {
    return (
      <p className="suggestions muted small" data-testid="symbol-suggestions-error">
        The available symbols could not be loaded: {error}
      </p>
    );
  }
  if (symbols.length === 0) return null;
  return (
    <div className="suggestions" data-testid="symbol-suggestions">
      <span className="muted small">Available:</span>
      <ul className="chips">
        {symbols.map((s) => (
          <li key={s.symbol}>
            <button
              type="button"
              className="suggestion"
              data-testid="symbol-suggestion"
              data-symbol={s.symbol}
              aria-pressed={chosen.includes(s.symbol)}
              title={`${s.name}: daily prices from ${s.first_date} to ${s.last_date}`}
              onClick={() => onToggle(s.symbol)}
            >
              <strong>{s.symbol}</strong> <span className="suggestion-name">{s.name}</span>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
