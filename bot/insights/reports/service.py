"""Builds reports on demand (`rejoinder report`) and on the schedule in the
workspace file. A scheduled report is one outbox row per period, keyed by
its name and the period's start, so it is posted once even across restarts."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clock import Clock
from bot.config.insights import ReportSchedule
from bot.config.workspace import Workspace
from bot.insights.reports.figures import Scope, Table, collect
from bot.insights.reports.render import write_report
from bot.insights.zones import team_zone
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.store.db import Database
from bot.types import MessageRef

PERIODS = {"daily": 1, "weekly": 7}  # days


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

    def scope_for(self, since: datetime, until: datetime, team: str | None = None, zone: ZoneInfo | None = None) -> Scope:
        """`zone`: whose clock the report counts hours and days on; default the team's (or the workspace's)."""
        zone = zone or team_zone(self.ws, team)
        if team is None:
            return Scope(since, until, zone=zone)
        partner = team if team in self.partner_teams else None
        return Scope(since, until, [team], partner, zone=zone)

    async def build(self, scope: Scope, out: Path, title: str | None = None) -> Built:
        async with self.db.sessions() as s:
            tables = await collect(s, scope, self.partner_teams, self.brand_words)
        title = title or (f"{self.ws.organisation.name} report" + (f" — {scope.teams[0]}" if scope.teams else ""))
        return Built(title, scope, tables, write_report(title, scope.label, tables, out), out)

    # -- on a schedule ------------------------------------------------------

    def zone_of(self, item: ReportSchedule) -> ZoneInfo:
        return ZoneInfo(item.timezone) if item.timezone else team_zone(self.ws, item.team)

    @staticmethod
    def period(every: str, now: datetime, zone: ZoneInfo = ZoneInfo("UTC")) -> tuple[datetime, datetime]:
        """The last full local day or week (Monday 00:00 to Monday 00:00 on `zone`'s
        clock) before `now`; a week with a DST change is 167 or 169 hours long."""
        today = now.astimezone(zone).date()
        end = today - timedelta(days=today.weekday()) if every == "weekly" else today
        start = end - timedelta(days=PERIODS[every])
        return (datetime.combine(start, time(0), zone).astimezone(UTC),
                datetime.combine(end, time(0), zone).astimezone(UTC))

    async def schedule(self) -> int:
        """Queue each scheduled report whose period has ended and was not queued yet."""
        now, queued = self.clock.now(), 0
        async with self.db.transaction() as s:
            for item in self.ws.reports:
                zone = self.zone_of(item)
                since, until = self.period(item.every, now, zone)
                key = f"report:{item.name}:{since.astimezone(zone):%Y%m%d}"  # the local date the period starts
                if (await s.execute(select(t.Outbox.id).where(t.Outbox.idempotency_key == key))).scalar_one_or_none():
                    continue
                enqueue(s, "chat.report", key, now, payload={"name": item.name, "team": item.team, "zone": zone.key,
                                                            "since": since.isoformat(), "until": until.isoformat()})
                queued += 1
        return queued

    async def post(self, payload: dict, chat, key: str | None = None, uncertain: bool = False) -> dict:
        """Build the report and post its headline and charts in the team's channel.
        `uncertain`: an earlier try may have posted some of it; what is there is not posted again."""
        scope = self.scope_for(datetime.fromisoformat(payload["since"]), datetime.fromisoformat(payload["until"]),
                               payload["team"], ZoneInfo(payload.get("zone") or "UTC"))
        if scope.partner is None:
            scope.teams = None  # an internal team's report covers the whole workspace
        with tempfile.TemporaryDirectory(prefix="rejoinder-report-") as folder:
            built = await self.build(scope, Path(folder), f"{payload['name'].title()} report")
            platform, channel, _partner = chat._platform(payload["team"])
            if getattr(platform, "post_file", None) is None:
                return {"skipped": "platform cannot post files"}
            sent = await send(built, platform, channel, key, uncertain)
        return {"message_id": sent.ref.message_id, "charts": len(built.charts), "files_posted": sent.posted,
                "files_found": sent.found}


@dataclass
class Sent:
    ref: MessageRef  # the headline (or the first file where the platform posts no messages)
    posted: int  # files posted by this try
    found: int  # files an earlier try had posted already


async def send(built: Built, platform, channel: str, key: str | None = None, uncertain: bool = False) -> Sent:
    """The headline as a message carrying `key`, then the HTML report and each
    chart in its thread. A try after one whose answer was lost looks first: the
    headline by its key, the files by their names in its thread (each name is
    posted once per report), and posts only what is missing."""
    head, looked = None, False
    if getattr(platform, "post_message", None) is not None:
        head_key = f"{key}:head" if key else None
        finder = getattr(platform, "find_message", None)
        if uncertain and head_key and finder is not None:
            head = await finder(channel, head_key)
            looked = head is not None
        head = head or await platform.post_message(channel, built.headline(), key=head_key)
    there: set[str] = set()
    lister = getattr(platform, "files_in_thread", None)
    if looked and lister is not None:
        there = await lister(head)  # only a headline found again can have files under it
    parts = [("report.html", (built.folder / "index.html").read_bytes(), built.title)]
    parts += [(path.name, path.read_bytes(), name.replace("_", " ")) for name, path in built.charts.items()]
    first, posted = None, 0
    for filename, data, title in parts:
        if filename in there:
            continue
        text = "" if head or first else built.headline()
        ref = await platform.post_file(channel, data, filename, title, text, thread=head or first)
        first, posted = first or ref, posted + 1
    return Sent(head or first, posted, len(there & {p[0] for p in parts}))
