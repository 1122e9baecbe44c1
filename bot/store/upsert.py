"""INSERT … ON CONFLICT in the dialect at hand (SQLite and PostgreSQL share the syntax)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table):
    return (pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert)(table)


async def insert_ignoring_duplicates(session: AsyncSession, table, rows: list[dict],
                                     conflict: Sequence[str]) -> int:
    """Insert the rows whose `conflict` columns are new; the number inserted."""
    if not rows:
        return 0
    stmt = insert_for(session, table).values(rows).on_conflict_do_nothing(index_elements=list(conflict))
    return (await session.execute(stmt)).rowcount


async def upsert(session: AsyncSession, table, rows: list[dict], conflict: Sequence[str],
                 update: Sequence[str], returning=None):
    """Insert the rows, or update `update` columns of those whose `conflict` columns exist."""
    stmt = insert_for(session, table).values(rows)
    stmt = stmt.on_conflict_do_update(index_elements=list(conflict),
                                      set_={name: stmt.excluded[name] for name in update})
    if returning is not None:
        stmt = stmt.returning(*returning)
    return await session.execute(stmt)
