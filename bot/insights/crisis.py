"""Crisis mode per route. While a route is in crisis, its new cases go to the
team's crisis workflow: labelled `crisis`, urgent, sent to the team the
crisis config names (PR, say), two approvers before anything is published,
and the team's holding reply one command away (`holding <case>`).

The switch is kept in the database so a restart keeps it; the router reads
an in-memory copy, refreshed whenever the switch is flipped here."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from bot.config.insights import Crisis
from bot.config.workspace import Workspace
from bot.store import tables as t
from bot.types import RouteMatch

LABEL = "crisis"


class CrisisSwitch:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.on: set[str] = {route.name for route in ws.routes if route.crisis}
        self.approvers = max((team.crisis.approvers_required for team in ws.teams if team.crisis), default=2)

    def config(self, team: str) -> Crisis | None:
        return self.ws.team(team).crisis

    def apply(self, match: RouteMatch | None) -> RouteMatch | None:
        if match is None or match.route not in self.on:
            return match
        cfg = self.config(match.team)
        if cfg is None:
            return match  # no crisis workflow configured: `config check` warns of it
        labels = match.labels if LABEL in match.labels else (*match.labels, LABEL)
        return replace(match, team=cfg.team or match.team, priority="urgent", labels=labels)

    async def load(self, db) -> None:
        async with db.sessions() as s:
            for mode in (await s.execute(select(t.CrisisMode))).scalars():
                (self.on.add if mode.on else self.on.discard)(mode.route)

    async def switch(self, db, route: str, on: bool, by: str, at) -> None:
        async with db.transaction() as s:
            mode = await s.get(t.CrisisMode, route)
            if mode is None:
                s.add(t.CrisisMode(route=route, on=on, by=by, at=at))
            else:
                mode.on, mode.by, mode.at = on, by, at
        (self.on.add if on else self.on.discard)(route)


class CrisisRouter:
    """The router, with the crisis switch applied to what it finds."""

    def __init__(self, router, switch: CrisisSwitch) -> None:
        self._router, self.switch = router, switch

    def route(self, mention, text: str, facts) -> RouteMatch | None:
        match = self._router.route(mention, text, facts)  # runs for every mention: most match nothing
        return match if match is None else self.switch.apply(match)

    def __getattr__(self, name: str):
        return getattr(self._router, name)

    def __len__(self) -> int:
        return len(self._router)
