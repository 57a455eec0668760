"""Schema: symbols, prices, watchlists (+items), analyses.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "symbols",
        sa.Column("symbol", sa.String(16), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False, server_default=""),
        sa.Column("first_date", sa.Date()),
        sa.Column("last_date", sa.Date()),
        sa.Column("points", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "prices",
        sa.Column("symbol", sa.String(16), sa.ForeignKey("symbols.symbol", ondelete="CASCADE"), primary_key=True),
        sa.Column("date", sa.Date(), primary_key=True),
        sa.Column("open", sa.Double()),
        sa.Column("high", sa.Double()),
        sa.Column("low", sa.Double()),
        sa.Column("close", sa.Double(), nullable=False),
        sa.Column("volume", sa.BigInteger()),
        sa.CheckConstraint("close > 0", name="ck_prices_close_positive"),
    )
    op.create_table(
        "watchlists",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("user_id", "name", name="uq_watchlists_user_name"),
    )
    op.create_index("ix_watchlists_user_id", "watchlists", ["user_id"])
    op.create_table(
        "watchlist_items",
        sa.Column("watchlist_id", sa.BigInteger(), sa.ForeignKey("watchlists.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("symbol", sa.String(16), sa.ForeignKey("symbols.symbol"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_table(
        "analyses",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("invocation_id", sa.String(128), nullable=False, unique=True),
        sa.Column("app_name", sa.String(128), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=False),
        sa.Column("question", sa.Text(), nullable=False, server_default=""),
        sa.Column("symbols", postgresql.ARRAY(sa.String(16)), nullable=False, server_default="{}"),
        sa.Column("final_text", sa.Text(), nullable=False, server_default=""),
        sa.Column("tool_calls", postgresql.JSONB(), nullable=False, server_default="[]"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("model", sa.String(128), nullable=False, server_default=""),
        sa.Column("event_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_event_ms", sa.Double()),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.CheckConstraint("status IN ('ok', 'error', 'aborted')", name="ck_analyses_status"),
    )
    op.create_index("ix_analyses_user_id", "analyses", ["user_id", "id"])
    op.create_index("ix_analyses_session_id", "analyses", ["session_id"])


def downgrade() -> None:
    for table in ("analyses", "watchlist_items", "watchlists", "prices", "symbols"):
        op.drop_table(table)
