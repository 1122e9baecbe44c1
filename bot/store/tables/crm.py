"""What the CRM said, and the links people made in chat."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, DateTime, Integer, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables.base import Base, _ts


class CrmLink(Base):
    """A handle a person linked to a CRM contact in chat (`link @handle to email`)."""

    __tablename__ = "crm_links"
    __table_args__ = (UniqueConstraint("network", "handle"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network: Mapped[str] = mapped_column(String(32))  # "*": every network
    handle: Mapped[str] = mapped_column(String(200))  # casefolded, without "@"
    email: Mapped[str] = mapped_column(String(320))
    linked_by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = _ts()


class CrmCache(Base):
    """What the CRM said about an author, read by cards without calling it."""

    __tablename__ = "crm_cache"
    subject: Mapped[str] = mapped_column(String(240), primary_key=True)  # network:handle
    status: Mapped[str] = mapped_column(String(16))  # ok | no_match | unavailable
    contact_id: Mapped[str | None] = mapped_column(String(64))
    matched_by: Mapped[str | None] = mapped_column(String(16))
    profile: Mapped[dict | None] = mapped_column(JSON)
    suggestions: Mapped[list] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last good answer
    tried_at: Mapped[datetime] = _ts()
