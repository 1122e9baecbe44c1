"""What arrived from outside before it was handled: chat input and webhook posts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, DateTime, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables.base import Base, _ts


class ChatInbox(Base):
    """Chat input (a click, a slash command, a thread message) written before
    the platform is acknowledged, then handled from here: a crash after the
    ack loses nothing. (platform, key) is the platform's own id for it."""

    __tablename__ = "chat_inbox"
    __table_args__ = (UniqueConstraint("platform", "key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(30))
    lane: Mapped[str] = mapped_column(String(200), default="")  # one person's inputs are handled in order
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)  # pending|handling|done|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = _ts()
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Arrival(Base):
    """Mentions a push source (the webhook) has accepted and answered for,
    kept until the pipeline has stored them; the id is the source's cursor."""

    __tablename__ = "arrivals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = _ts()
