"""Seed: real daily price history from data files shipped inside PyPI packages.

Idempotent: rows are upserted by primary key, so re-running (or `downgrade` then
`upgrade`) leaves one copy of each row. No network: the files are in the installed
packages (see app/pricedata.py).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import insert

from app import pricedata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

symbols = sa.table(
    "symbols", sa.column("symbol"), sa.column("name"), sa.column("kind"), sa.column("currency"),
    sa.column("source"), sa.column("source_sha256"), sa.column("notes"), sa.column("first_date"),
    sa.column("last_date"), sa.column("points"),
)
prices = sa.table(
    "prices", sa.column("symbol"), sa.column("date"), sa.column("open"), sa.column("high"), sa.column("low"),
    sa.column("close"), sa.column("volume"),
)
BATCH = 2000


def upgrade() -> None:
    bind = op.get_bind()
    for source, origin, sha, rows in pricedata.load_all():
        values = {
            "symbol": source.symbol, "name": source.name, "kind": source.kind, "currency": source.currency,
            "source": origin, "source_sha256": sha, "notes": source.notes,
            "first_date": rows[0].date, "last_date": rows[-1].date, "points": len(rows),
        }
        stmt = insert(symbols).values(**values)
        bind.execute(stmt.on_conflict_do_update(
            index_elements=["symbol"], set_={k: stmt.excluded[k] for k in values if k != "symbol"},
        ))
        for start in range(0, len(rows), BATCH):
            batch = [
                {"symbol": source.symbol, "date": r.date, "open": r.open, "high": r.high, "low": r.low,
                 "close": r.close, "volume": r.volume}
                for r in rows[start:start + BATCH]
            ]
            stmt = insert(prices).values(batch)
            bind.execute(stmt.on_conflict_do_update(
                index_elements=["symbol", "date"],
                set_={k: stmt.excluded[k] for k in ("open", "high", "low", "close", "volume")},
            ))


def downgrade() -> None:
    names = [s.symbol for s in pricedata.SOURCES]
    op.execute(prices.delete().where(prices.c.symbol.in_(names)))
    op.execute(sa.text("DELETE FROM symbols WHERE symbol = ANY(:names) AND NOT EXISTS "
                       "(SELECT 1 FROM watchlist_items WHERE watchlist_items.symbol = symbols.symbol)")
               .bindparams(names=names))
