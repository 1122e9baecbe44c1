"""Engine, sessions and migrations. SQLite file by default, PostgreSQL by URL."""
from __future__ import annotations

import math
from contextlib import asynccontextmanager
from pathlib import Path
from collections.abc import AsyncIterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _log10(x):
    return math.log10(x) if x is not None and x > 0 else None


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            # WAL lets the publisher and the pipeline write without blocking readers.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            try:  # built in since SQLite 3.35 when compiled with math functions; reports rank advocates with it
                cur.execute("SELECT log10(10)")
            except Exception:  # noqa: BLE001 - this build lacks it: Python's, deterministic
                dbapi_conn.create_function("log10", 1, _log10, deterministic=True)
            cur.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=5)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(sync_conn) -> None:  # noqa: ANN001
    cfg = alembic_config()
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, "head")


MIGRATION_LOCK = 0x72656A6F  # any constant shared by every process of a deployment


async def migrate(engine: AsyncEngine) -> None:
    """Apply every pending migration; safe to call on each start. On
    PostgreSQL a transaction-scoped advisory lock makes processes starting
    together on a fresh database wait for the first one, then find nothing to do."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(_upgrade)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def start(self) -> "Database":
        await migrate(self.engine)
        return self

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
