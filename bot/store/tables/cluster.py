"""Leases, live processes and dead letters: several processes sharing one database."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger, DateTime, Integer, String, Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables.base import Base, _ts


class Lease(Base):
    """Who runs a source in a cluster; `token` grows on every change of holder (fencing)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    token: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime] = _ts()


class Process(Base):
    """A running `rejoinder run`, seen through its heartbeat."""

    __tablename__ = "processes"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    roles: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = _ts()
    seen_at: Mapped[datetime] = _ts()


class DeadLetter(Base):
    """An item the pipeline could not store, kept with its reason for replay."""

    __tablename__ = "dead_letters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str | None] = mapped_column(String(100))
    payload: Mapped[str] = mapped_column(Text)  # the bus payload as ASCII JSON (no raw NUL)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = _ts()
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class HeldReply(Base):
    """A reply that matched no route and whose conversation had no case yet:
    its root may still be on its way (another process stores it, or a dead
    one's entries are claimed late), so it waits here to join the case its
    root opens. Replies to conversations that never open one are pruned."""

    __tablename__ = "held_replies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_key: Mapped[str] = mapped_column(String(400), index=True)
    mention: Mapped[str] = mapped_column(Text)  # the Mention as JSON
    held_at: Mapped[datetime] = _ts()
