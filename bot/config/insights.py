"""Workspace settings for SLA clocks, spike alerts, crisis mode and scheduled
reports. Kept apart from workspace.py so each stays readable; unknown keys
are errors here too."""
from __future__ import annotations

import re
from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from bot.config.base import Strict

PriorityName = Literal["urgent", "high", "normal", "low"]
DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_DUR = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")


def _duration_text(value: str) -> str:
    if not _DUR.match(str(value)):
        raise ValueError(f"{value!r} is not a duration like 15m, 4h or 2d")
    return value


def clock_time(value: str) -> time:
    m = _CLOCK.match(value)
    if not m:
        raise ValueError(f"{value!r} is not a time of day like 09:00")
    hours, minutes = int(m.group(1)), int(m.group(2))
    return time.max if hours == 24 else time(hours, minutes)


class BusinessHours(Strict):
    """When SLA clocks run, in the team's own timezone."""

    timezone: str = "UTC"
    days: list[DayName] = Field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"], min_length=1)
    start: str = "09:00"
    end: str = "17:00"
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {v!r}; use an IANA name like Europe/Berlin") from None
        return v

    @model_validator(mode="after")
    def _window(self) -> "BusinessHours":
        if clock_time(self.start) >= clock_time(self.end):
            raise ValueError(f"business hours start {self.start} must be before end {self.end}")
        return self


class Escalation(Strict):
    """What runs when an SLA is breached (each step optional)."""

    reassign: str | None = None  # chat user id the case is handed to
    notify: list[str] = Field(default_factory=list)  # approvers named in the alert
    move: str | None = None  # a workflow action, e.g. escalate


class SlaTeam(Strict):
    """One team's own targets, hours or escalation; anything left out is the workspace's."""

    first_response: dict[PriorityName, str] = Field(default_factory=dict)
    resolution: dict[PriorityName, str] = Field(default_factory=dict)
    hours: BusinessHours | None = None
    escalation: Escalation | None = None

    @field_validator("first_response", "resolution")
    @classmethod
    def _durations(cls, v: dict[str, str]) -> dict[str, str]:
        for value in v.values():
            _duration_text(value)
        return v


class Spikes(Strict):
    """Volume and negative-share alerts per route, label and watched term."""

    enabled: bool = True
    bucket: str = "5m"  # counting unit
    window: str = "30m"  # the recent stretch compared with the baseline
    sustain: str = "10m"  # how long the rise must hold before an alert
    history: str = "28d"  # how far back the seasonal baseline looks
    min_count: int = Field(default=10, ge=1)  # mentions in the window, at least
    min_ratio: float = Field(default=3.0, gt=1)  # times the baseline, at least
    alpha: float = Field(default=1e-4, gt=0, lt=0.5)  # how unlikely under the baseline (Poisson tail)
    negative_rise: float = Field(default=0.3, gt=0, le=1)  # negative share above its usual level
    floor: float = Field(default=0.5, ge=0)  # mentions per hour assumed where history is empty
    terms: list[str] = Field(default_factory=list)
    team: str | None = None  # whose channel gets every alert; default: the route's team

    @field_validator("bucket", "window", "sustain", "history")
    @classmethod
    def _durations(cls, v: str) -> str:
        return _duration_text(v)


class Crisis(Strict):
    """The team's crisis workflow, switched on per route."""

    holding_reply: str = Field(min_length=1)
    approvers_required: int = Field(default=2, ge=1, le=5)
    team: str | None = None  # where crisis cases go (e.g. pr); default: stays with the route's team


class ReportSchedule(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")
    every: Literal["daily", "weekly"] = "weekly"
    team: str  # posted in this team's channel; a partner team gets only its own figures
    timezone: str | None = None  # whose days and weeks it counts; default: the team's business hours

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else BusinessHours._zone(v)
