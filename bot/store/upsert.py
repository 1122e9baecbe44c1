"""INSERT … ON CONFLICT DO NOTHING in the dialect at hand (SQLite and PostgreSQL share the syntax)."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, table):
    return (pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert)(table)


async def insert_if_new(session: AsyncSession, table, row: dict, conflict: Sequence[str]) -> bool:
    """Insert one row unless its `conflict` columns exist; True if it was inserted."""
    stmt = insert_for(session, table).values(row).on_conflict_do_nothing(index_elements=list(conflict))
    return (await session.execute(stmt)).rowcount == 1


async def insert_ignoring_duplicates(session: AsyncSession, table, rows: list[dict], conflict: Sequence[str]) -> None:
    """Insert many rows, skipping those whose `conflict` columns exist. RETURNING
    makes SQLAlchemy send them as a few multi-row statements ("insertmanyvalues")
    rather than one execution per row."""
    if rows:
        stmt = insert_for(session, table).on_conflict_do_nothing(index_elements=list(conflict))
        (await session.execute(stmt.returning(*table.primary_key.columns), rows)).all()
