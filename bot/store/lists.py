"""A statement that takes a list, bound as one parameter in each dialect.

`column IN (...)` with an expanding parameter makes SQLAlchemy render and
re-process the statement for every list length: on a batch of hundreds of
values that costs more than the query. PostgreSQL takes the whole list as
one array (`column = ANY(:values)`), so the statement is compiled once and
prepared once; SQLite keeps the expanding IN."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ARRAY, String, any_, bindparam
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType


def _expanding(column, name: str):
    return column.in_(bindparam(name, expanding=True))


def _array(column, name: str):
    # An expression such as lower(email) has no type of its own: its values are text.
    item = String() if isinstance(column.type, NullType) else column.type
    return column == any_(bindparam(name, type_=ARRAY(item)))


class ByDialect:
    """`build(within)` makes the statement, where `within(column, name)` is
    the test "column is in the list bound as `name`"; one per dialect, built once."""

    def __init__(self, build: Callable) -> None:
        self.build = build
        self._made: dict[str, object] = {}

    def on(self, session: AsyncSession):
        name = session.bind.dialect.name
        if name not in self._made:
            self._made[name] = self.build(_array if name == "postgresql" else _expanding)
        return self._made[name]
