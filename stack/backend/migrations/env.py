"""Alembic environment: async engine (asyncpg), URL from app.settings."""
import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from app.models import Base
from app.settings import get_settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
# ADK's own tables live in the same database; they are not ours to migrate.
ADK_TABLES = {"sessions", "events", "app_states", "user_states", "adk_internal_metadata"}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in ADK_TABLES)


def do_run_migrations(connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, include_object=include_object,
        compare_type=True, transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_async_engine(get_settings().database_url("asyncpg"), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        # One migrator at a time, even if several containers start together.
        await connection.exec_driver_sql("SELECT pg_advisory_lock(7318001)")
        await connection.commit()  # the lock is held by the session, across transactions
        try:
            await connection.run_sync(do_run_migrations)
        finally:
            await connection.exec_driver_sql("SELECT pg_advisory_unlock(7318001)")
            await connection.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=get_settings().database_url("asyncpg").render_as_string(hide_password=True),
        target_metadata=target_metadata, literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
