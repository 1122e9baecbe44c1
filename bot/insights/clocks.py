"""SLA targets, business hours and escalation per team, from the workspace file."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.config.insights import Escalation
from bot.config.workspace import Workspace
from bot.insights.calendar import BusinessCalendar


def short(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes / 60:.1f} h" if minutes < 48 * 60 else f"{minutes / 1440:.1f} d"


class SlaClocks:
    """Targets, hours and escalation per team, from the workspace file."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.calendars = {}
        for team in ws.teams:
            own = ws.sla.teams.get(team.name)
            self.calendars[team.name] = BusinessCalendar(own.hours if own and own.hours else ws.sla.hours)

    def target(self, team: str, priority: str, clock: str) -> timedelta | None:
        return self.ws.sla.target(priority, team, clock)

    def due(self, team: str, priority: str, opened: datetime, clock: str = "first_response") -> datetime | None:
        target = self.target(team, priority, clock)
        return self.calendars[team].add(opened, target) if target else None

    def escalation(self, team: str) -> Escalation:
        own = self.ws.sla.teams.get(team)
        return own.escalation if own and own.escalation else self.ws.sla.escalation

    def used(self, team: str, priority: str, clock: str, opened: datetime, now: datetime) -> tuple[float, timedelta] | None:
        """(share of the target used, the target) for a running clock."""
        target = self.target(team, priority, clock)
        if not target:
            return None
        return self.calendars[team].elapsed(opened, now) / target, target
