"""Spike alerts and crisis switches."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON, Boolean, DateTime, Integer, String, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.tables.base import Base, _ts


class Spike(Base):
    """A lasting rise in mentions on a route, label or watched term; its alert is edited in place."""

    __tablename__ = "spikes"
    __table_args__ = (UniqueConstraint("series", "started_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(260), index=True)  # route:<name> | label:<name> | term:<term>
    team: Mapped[str] = mapped_column(String(40))  # whose channel carries the alert
    started_at: Mapped[datetime] = _ts()
    updated_at: Mapped[datetime] = _ts()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    updates: Mapped[int] = mapped_column(Integer, default=0)
    message_ref: Mapped[dict | None] = mapped_column(JSON)


class CrisisMode(Base):
    """Routes switched to their team's crisis workflow from chat."""

    __tablename__ = "crisis_modes"
    route: Mapped[str] = mapped_column(String(60), primary_key=True)
    on: Mapped[bool] = mapped_column(Boolean, default=False)
    by: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = _ts()
