"""A team's timezone, and hours counted on its wall clock. A team's day and
week are local: "Monday 09:00" is 08:00 UTC in winter and 07:00 in summer in
Berlin, so the same hour of last week is 167, 168 or 169 hours back. Seasonal
baselines and report periods are counted here, not in UTC."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from bot.config.workspace import Workspace


def team_zone(ws: Workspace, team: str | None) -> ZoneInfo:
    """The team's own business-hours timezone, else the workspace's, else UTC."""
    own = ws.sla.teams.get(team) if team else None
    hours = own.hours if own and own.hours else ws.sla.hours
    return ZoneInfo(hours.timezone if hours else "UTC")


@lru_cache(maxsize=256)
def _offsets(start: datetime, n: int, zone: ZoneInfo) -> np.ndarray:
    return np.array([(start + timedelta(hours=i)).astimezone(zone).utcoffset().total_seconds() for i in range(n)])


def offsets(start: datetime, n: int, zone: ZoneInfo) -> np.ndarray:
    """UTC offset in seconds of each of `n` hours from `start` (cached: a scan asks for the same hours often)."""
    return _offsets(start.astimezone(UTC), n, zone)


def local_sources(start: datetime, n: int, zone: ZoneInfo, hours_back: int) -> np.ndarray:
    """For each of `n` hours from `start`: the index of the hour that showed the
    same wall-clock time `hours_back` local hours earlier (-1 before the series)."""
    off = offsets(start, n, zone)
    i = np.arange(n)
    naive = i - hours_back
    shift = np.zeros(n)
    inside = naive >= 0
    shift[inside] = (off[inside] - off[naive[inside]]) / 3600.0
    src = np.rint(naive + shift).astype(int)  # a DST change in between moves it by an hour
    src[(src < 0) | (src >= i)] = -1
    return src


def local(when: datetime, zone: ZoneInfo) -> datetime:
    return when.astimezone(zone)


def zone_name(zone: ZoneInfo) -> str:
    return str(zone.key) if zone.key else "UTC"
