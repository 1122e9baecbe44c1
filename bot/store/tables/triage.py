"""LLM triage verdicts and the day's spend."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean, Float, Integer, String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables.base import Base, _ts


class TriageVerdict(Base):
    """The LLM's triage of a post, cached by (model, text hash) so a post seen
    again (a retry, a repost, a restart) costs no second call."""

    __tablename__ = "triage_verdicts"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of model and text
    model: Mapped[str] = mapped_column(String(100))
    needs_response: Mapped[bool] = mapped_column(Boolean)
    intent: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = _ts()


class TriageSpend(Base):
    """LLM triage calls made per UTC day, held to `triage.llm_daily_budget`."""

    __tablename__ = "triage_spend"
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD
    calls: Mapped[int] = mapped_column(Integer, default=0)
