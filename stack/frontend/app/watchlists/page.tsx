"use client";

// Watchlists: list, create, rename, add/remove symbols, delete. Updates send the
// watchlist's version as If-Match, so a stale page gets a 412 instead of
// overwriting someone else's change. Errors show next to the form that caused them.

import { useCallback, useEffect, useState } from "react";
import { useSession } from "../../components/SessionProvider";
import { api, etagFor, type ApiResult, type Watchlist } from "../../lib/api";
import { parseSymbols } from "../../lib/timeline";

function FormError({ errors, form }: { errors?: string[] | null; form: string }) {
  if (!errors || errors.length === 0) return null;
  return (
    <div className="form-error" data-testid="form-error" data-form={form} role="alert">
      {errors.length === 1 ? (
        errors[0]
      ) : (
        <ul>
          {errors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

type CardForm = "rename" | "add-symbol" | "item";

function WatchlistCard({
  list,
  onChanged,
  onDeleted,
  onStale,
}: {
  list: Watchlist;
  onChanged: (w: Watchlist) => void;
  onDeleted: (id: string) => void;
  onStale: () => void;
}) {
  const [newName, setNewName] = useState("");
  const [newSymbol, setNewSymbol] = useState("");
  const [errors, setErrors] = useState<Partial<Record<CardForm, string[]>>>({});
  const [busy, setBusy] = useState(false);
  const base = `/watchlists/${encodeURIComponent(list.id)}`;

  async function call<T>(form: CardForm, request: () => Promise<ApiResult<T>>): Promise<ApiResult<T>> {
    setBusy(true);
    setErrors((e) => ({ ...e, [form]: undefined }));
    const result = await request();
    setBusy(false);
    if (!result.ok) {
      setErrors((e) => ({ ...e, [form]: result.errors }));
      // Someone else changed or removed it: reload so the next try uses fresh data.
      if (result.status === 412 || result.status === 404) onStale();
    }
    return result;
  }

  async function rename(e: React.FormEvent) {
    e.preventDefault();
    const result = await call("rename", () =>
      api<Watchlist>(base, { method: "PATCH", body: { name: newName.trim() }, ifMatch: etagFor(list) }),
    );
    if (result.ok) {
      onChanged(result.data);
      setNewName("");
    }
  }

  async function addSymbol(e: React.FormEvent) {
    e.preventDefault();
    const result = await call("add-symbol", () =>
      api<Watchlist>(`${base}/items`, { method: "POST", body: { symbol: newSymbol.trim().toUpperCase() } }),
    );
    if (result.ok) {
      onChanged(result.data);
      setNewSymbol("");
    }
  }

  async function removeSymbol(symbol: string) {
    const result = await call("item", () =>
      api<Watchlist>(`${base}/items/${encodeURIComponent(symbol)}`, { method: "DELETE" }),
    );
    if (result.ok) onChanged(result.data);
  }

  async function remove() {
    const result = await call("item", () => api<void>(base, { method: "DELETE", ifMatch: etagFor(list) }));
    if (result.ok) onDeleted(list.id);
  }

  return (
    <li className="card watchlist" data-testid="watchlist-item" data-id={list.id} data-name={list.name}>
      <div className="watchlist-head">
        <h2 data-testid="watchlist-name">{list.name}</h2>
        <span className="muted small">v{list.version}</span>
        <button
          type="button"
          className="danger"
          data-testid="watchlist-delete"
          onClick={remove}
          disabled={busy}
        >
          Delete
        </button>
      </div>

      <ul className="chips" data-testid="watchlist-symbols">
        {list.symbols.length === 0 ? <li className="muted">No symbols yet.</li> : null}
        {list.symbols.map((s) => (
          <li key={s} className="chip" data-testid="watchlist-symbol" data-symbol={s}>
            {s}
            <button
              type="button"
              aria-label={`Remove ${s}`}
              data-testid="watchlist-remove-symbol"
              data-symbol={s}
              onClick={() => removeSymbol(s)}
              disabled={busy}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <FormError errors={errors.item} form="item" />

      <div className="row-forms">
        <form onSubmit={addSymbol} className="inline-form">
          <input
            data-testid="watchlist-add-symbol-input"
            value={newSymbol}
            onChange={(e) => setNewSymbol(e.target.value)}
            placeholder="Symbol"
            aria-label="Symbol to add"
            size={8}
            spellCheck={false}
          />
          <button type="submit" data-testid="watchlist-add-symbol" disabled={busy}>
            Add symbol
          </button>
          <FormError errors={errors["add-symbol"]} form="add-symbol" />
        </form>

        <form onSubmit={rename} className="inline-form">
          <input
            data-testid="watchlist-rename-input"
            value={newName}
            onChange={(e) => setNewName(e.target.value)}
            placeholder="New name"
            aria-label="New name"
            size={14}
          />
          <button type="submit" data-testid="watchlist-rename" disabled={busy}>
            Rename
          </button>
          <FormError errors={errors.rename} form="rename" />
        </form>
      </div>
    </li>
  );
}

export default function WatchlistsPage() {
  const { username, ready } = useSession();
  const [lists, setLists] = useState<Watchlist[] | null>(null);
  const [loadErrors, setLoadErrors] = useState<string[] | null>(null);
  const [name, setName] = useState("");
  const [symbols, setSymbols] = useState("");
  const [createErrors, setCreateErrors] = useState<string[] | null>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(async () => {
    const result = await api<{ items: Watchlist[] }>("/watchlists");
    if (result.ok) {
      setLists(result.data.items ?? []);
      setLoadErrors(null);
    } else {
      setLoadErrors(result.errors);
    }
  }, []);

  useEffect(() => {
    if (ready) void load();
  }, [ready, load]);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setCreating(true);
    setCreateErrors(null);
    const result = await api<Watchlist>("/watchlists", {
      method: "POST",
      body: { name: name.trim(), symbols: parseSymbols(symbols) },
    });
    setCreating(false);
    if (!result.ok) {
      setCreateErrors(result.errors);
      return;
    }
    setLists((ls) => [...(ls ?? []), result.data]);
    setName("");
    setSymbols("");
  }

  const replace = (w: Watchlist) => setLists((ls) => (ls ?? []).map((x) => (x.id === w.id ? w : x)));
  const drop = (id: string) => setLists((ls) => (ls ?? []).filter((x) => x.id !== id));

  return (
    <section>
      <h1>Watchlists</h1>
      <form className="card create-form" onSubmit={create} data-testid="watchlist-create-form">
        <label>
          Name
          <input
            data-testid="watchlist-name-input"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="Tech"
          />
        </label>
        <label>
          Symbols
          <input
            data-testid="watchlist-symbols-input"
            value={symbols}
            onChange={(e) => setSymbols(e.target.value)}
            placeholder="GOOG, MSFT"
            spellCheck={false}
          />
        </label>
        <div className="actions">
          <button type="submit" data-testid="watchlist-create" disabled={creating}>
            Create
          </button>
        </div>
        <FormError errors={createErrors} form="create" />
      </form>

      <div className="list-head">
        <span className="muted">Watchlists of {username}</span>
        <button type="button" data-testid="watchlists-refresh" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <FormError errors={loadErrors} form="load" />
      {lists === null && !loadErrors ? <p className="muted">Loading…</p> : null}
      {lists !== null && lists.length === 0 ? (
        <p className="muted" data-testid="watchlists-empty">
          No watchlists yet.
        </p>
      ) : null}
      <ul className="watchlists" data-testid="watchlists">
        {(lists ?? []).map((w) => (
          <WatchlistCard
            key={w.id}
            list={w}
            onChanged={replace}
            onDeleted={drop}
            onStale={() => void load()}
          />
        ))}
      </ul>
    </section>
  );
}
