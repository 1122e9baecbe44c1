"""Time arithmetic inside SQL, for SQLite and PostgreSQL, so reports and
baselines group a million rows in the database rather than in Python."""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, cast, func
from sqlalchemy.sql.elements import ColumnElement


def epoch(col, dialect: str) -> ColumnElement:
    """Seconds since 1970 (UTC) of a timestamp column."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", col), Integer)
    return cast(func.extract("epoch", col), BigInteger)


def bucket(col, dialect: str, seconds: int) -> ColumnElement:
    """Which `seconds`-long slot since 1970 the timestamp falls in (integer division on both)."""
    return epoch(col, dialect) // seconds  # SQLAlchemy renders // as integer division on each


def seconds_between(start, end, dialect: str) -> ColumnElement:
    return epoch(end, dialect) - epoch(start, dialect)
