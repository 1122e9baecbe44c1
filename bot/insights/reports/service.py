"""Builds reports on demand (`rejoinder report`) and on the schedule in the
workspace file. A scheduled report is one outbox row per period, keyed by
its name and the period's start, so it is posted once even across restarts."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from bot.clock import Clock
from bot.config.workspace import Workspace
from bot.insights.reports.figures import Scope, Table, collect
from bot.insights.reports.render import write_report
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.store.db import Database

PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MONDAY = datetime(2024, 1, 1, tzinfo=timezone.utc)  # weekly periods start on Mondays, 00:00 UTC


@dataclass
class Built:
    title: str
    scope: Scope
    tables: list[Table]
    charts: dict[str, Path]
    folder: Path

    def headline(self) -> str:
        by = {tb.name: tb for tb in self.tables}
        mentions = sum(by["volume_network"].column("mentions")) if "volume_network" in by else 0
        cases = sum(by["stages"].column("cases")) if "stages" in by else 0
        fr = by.get("first_response")
        within = sum(fr.column("within_sla")) if fr else 0
        total = within + (sum(fr.column("after_sla")) if fr else 0)
        share = f"{within / total:.0%}" if total else "—"
        return f"{self.title} ({self.scope.label}): {mentions} mentions, {cases} cases, first response within SLA {share}."


class Reports:
    def __init__(self, db: Database, ws: Workspace, clock: Clock) -> None:
        self.db, self.ws, self.clock = db, ws, clock
        self.partner_teams = [team.name for team in ws.teams if team.partner]
        # Our own name is in nearly every post: never a topic.
        brand = " ".join([ws.organisation.name, *ws.organisation.handles.values()])
        self.brand_words = frozenset(w.casefold() for w in re.findall(r"[^\W\d_]+", brand))

    def scope_for(self, since: datetime, until: datetime, team: str | None = None) -> Scope:
        if team is None:
            return Scope(since, until)
        partner = team if team in self.partner_teams else None
        return Scope(since, until, [team], partner)

    async def build(self, scope: Scope, out: Path, title: str | None = None) -> Built:
        async with self.db.sessions() as s:
            tables = await collect(s, scope, self.partner_teams, self.brand_words)
        title = title or (f"{self.ws.organisation.name} report" + (f" — {scope.teams[0]}" if scope.teams else ""))
        return Built(title, scope, tables, write_report(title, scope.label, tables, out), out)

    # -- on a schedule ------------------------------------------------------

    def period(self, every: str, now: datetime) -> tuple[datetime, datetime]:
        """The last full period before `now`."""
        length = PERIODS[every]
        n = (now - MONDAY) // length
        end = MONDAY + n * length
        return end - length, end

    async def schedule(self) -> int:
        """Queue each scheduled report whose period has ended and was not queued yet."""
        now, queued = self.clock.now(), 0
        async with self.db.transaction() as s:
            for item in self.ws.reports:
                since, until = self.period(item.every, now)
                key = f"report:{item.name}:{since:%Y%m%d}"
                if (await s.execute(select(t.Outbox.id).where(t.Outbox.idempotency_key == key))).scalar_one_or_none():
                    continue
                enqueue(s, "chat.report", key, now, payload={"name": item.name, "team": item.team,
                                                            "since": since.isoformat(), "until": until.isoformat()})
                queued += 1
        return queued

    async def post(self, payload: dict, chat) -> dict:
        """Build the report and post its headline and charts in the team's channel."""
        scope = self.scope_for(datetime.fromisoformat(payload["since"]), datetime.fromisoformat(payload["until"]),
                               payload["team"])
        if scope.partner is None:
            scope.teams = None  # an internal team's report covers the whole workspace
        with tempfile.TemporaryDirectory(prefix="rejoinder-report-") as folder:
            built = await self.build(scope, Path(folder), f"{payload['name'].title()} report")
            platform, channel, _partner = chat._platform(payload["team"])
            if getattr(platform, "post_file", None) is None:
                return {"skipped": "platform cannot post files"}
            first = await send(built, platform, channel)
        return {"message_id": first.message_id, "charts": len(built.charts)}


async def send(built: Built, platform, channel: str):
    """The headline as a message, then the HTML report and each chart under it."""
    head = await platform.post_message(channel, built.headline()) if getattr(platform, "post_message", None) else None
    first = await platform.post_file(channel, (built.folder / "index.html").read_bytes(), "report.html",
                                     built.title, "" if head else built.headline(), thread=head)
    for name, path in built.charts.items():
        await platform.post_file(channel, path.read_bytes(), path.name, name.replace("_", " "), thread=head or first)
    return head or first
