"""Accounts and sign-in sessions: users, auth_sessions, signin_failures.

The username is the user id of every row the app already keeps (watchlists.user_id,
analyses.user_id, ADK's sessions.user_id). Rows written before this migration under an
X-User-Id value belong to the account of that name once it exists: on a public host,
create those accounts first (stack/scripts/stack user add NAME) with sign-up closed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column("username", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("failed_signins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.CheckConstraint(r"username ~ '^[a-z0-9][a-z0-9_.-]{2,31}$'", name="ck_users_username"),
        sa.CheckConstraint("failed_signins >= 0", name="ck_users_failed_signins"),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="ck_auth_sessions_token_hash"),
    )
    op.create_index("ix_auth_sessions_user_id", "auth_sessions", ["user_id"])
    op.create_table(
        "signin_failures",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("failed_signins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_signin_failures_last_failed_at", "signin_failures", ["last_failed_at"])
    # Read-only roles (the `reporting` role of stack/postgres/initdb gets SELECT on every new
    # table by default privileges) keep the accounts' names and states, never the password
    # hashes, session token hashes or failed names.
    op.execute("""
        DO $$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT DISTINCT grantee FROM information_schema.role_table_grants
                    WHERE table_schema = current_schema()
                      AND table_name IN ('users', 'auth_sessions', 'signin_failures')
                      AND grantee NOT IN (current_user, 'PUBLIC')
          LOOP
            EXECUTE format('REVOKE ALL ON users, auth_sessions, signin_failures FROM %I', r.grantee);
            EXECUTE format('GRANT SELECT (id, username, disabled, created_at, failed_signins, locked_until)'
                           ' ON users TO %I', r.grantee);
          END LOOP;
        END $$;
    """)


def downgrade() -> None:
    for table in ("signin_failures", "auth_sessions", "users"):
        op.drop_table(table)
