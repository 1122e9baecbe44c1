"""The report's figures, each a small table, aggregated in the database so a
million cases take seconds: the rows that reach Python are already grouped.

A scope limits a report to some teams (a partner's report holds only the
partner's own cases, and names no customer or author)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import bindparam, case, func, literal_column, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.insights import advocates
from bot.insights.spike_watch import STOP
from bot.insights.sqltime import bucket, seconds_between
from bot.store import tables as t

NEGATIVE, POSITIVE = -0.05, 0.05
# Minute bins for response, resolution and approval times.
BINS = [(0, 15), (15, 30), (30, 60), (60, 120), (120, 240), (240, 480), (480, 1440), (1440, None)]
_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}", re.U)
TOPIC_SAMPLE = 20_000


def bin_label(lo: int, hi: int | None) -> str:
    def fmt(v: int) -> str:
        return f"{v // 60}h" if v >= 60 else f"{v}m"
    return f"{fmt(lo)}–{fmt(hi)}" if hi is not None else f"≥{fmt(lo)}"


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)

    def column(self, name: str) -> list:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]


@dataclass
class Scope:
    since: datetime
    until: datetime
    teams: list[str] | None = None  # None: every team
    partner: str | None = None  # a partner's own report: redacted
    routes: list[str] | None = None  # None: every route

    @property
    def label(self) -> str:
        return f"{self.since:%Y-%m-%d %H:%M} – {self.until:%Y-%m-%d %H:%M} UTC"


def _bins(seconds) -> object:
    whens = [(seconds < (hi or 0) * 60, bin_label(lo, hi)) for lo, hi in BINS if hi is not None]
    return case(*whens, else_=bin_label(*BINS[-1]))


def _order(table: Table) -> None:
    order = {bin_label(lo, hi): i for i, (lo, hi) in enumerate(BINS)}
    table.rows.sort(key=lambda r: order.get(r[0], 99))


class Figures:
    def __init__(self, s: AsyncSession, scope: Scope) -> None:
        self.s, self.scope = s, scope
        self.dialect = s.bind.dialect.name

    def _mentions(self, *cols, since: datetime | None = None, until: datetime | None = None):
        m, c = t.Mention, t.Case
        q = select(*cols).select_from(m).join(c, m.case_id == c.id).where(
            m.created_at >= (since or self.scope.since), m.created_at < (until or self.scope.until), m.deleted.is_(False))
        q = q.where(m.route.in_(self.scope.routes)) if self.scope.routes is not None else q
        return q.where(c.team.in_(self.scope.teams)) if self.scope.teams is not None else q

    def _cases(self, *cols):
        c = t.Case
        q = select(*cols).where(c.opened_at >= self.scope.since, c.opened_at < self.scope.until, c.incident_of.is_(None))
        q = q.where(c.route.in_(self.scope.routes)) if self.scope.routes is not None else q
        return q.where(c.team.in_(self.scope.teams)) if self.scope.teams is not None else q

    async def _rows(self, q) -> list[list]:
        return [list(r) for r in (await self.s.execute(q)).all()]

    async def volume(self, by: str) -> Table:
        col = {"network": t.Mention.network, "route": t.Mention.route, "team": t.Case.team}[by]
        rows = await self._rows(self._mentions(col, func.count()).group_by(col).order_by(func.count().desc()))
        return Table(f"volume_{by}", f"Mentions by {by}", [by, "mentions"], [[k or "(none)", n] for k, n in rows])

    async def sentiment(self) -> Table:
        m = t.Mention
        day = bucket(m.created_at, self.dialect, 86400).label("day")
        q = self._mentions(day, func.sum(case((m.sentiment <= NEGATIVE, 1), else_=0)),
                           func.sum(case((m.sentiment >= POSITIVE, 1), else_=0)), func.count()).group_by(day).order_by(day)
        rows = []
        for d, neg, pos, n in await self._rows(q):
            rows.append([datetime.fromtimestamp(int(d) * 86400, timezone.utc).strftime("%Y-%m-%d"), neg, n - neg - pos, pos])
        return Table("sentiment_daily", "Sentiment per day", ["day", "negative", "neutral", "positive"], rows)

    async def times(self, name: str, title: str, end, due) -> Table:
        c = t.Case
        secs = seconds_between(c.opened_at, end, self.dialect)
        within = case((or_(due.is_(None), end <= due), 1), else_=0)  # no target: nothing to miss
        q = self._cases(_bins(secs).label("bin"), func.sum(within), func.count()).where(end.is_not(None)).group_by(literal_column("bin"))
        table = Table(name, title, ["time", "within_sla", "after_sla"], [[b, w, n - w] for b, w, n in await self._rows(q)])
        _order(table)
        return table

    async def stages(self) -> Table:
        c = t.Case
        rows = await self._rows(self._cases(c.stage, func.count()).group_by(c.stage).order_by(func.count().desc()))
        return Table("stages", "Cases by stage", ["stage", "cases"], rows)

    async def approvals(self) -> Table:
        a, d, c = t.Approval, t.Draft, t.Case
        secs = seconds_between(d.created_at, a.at, self.dialect)
        q = (select(_bins(secs).label("bin"), func.count()).select_from(a).join(d, a.draft_id == d.id).join(c, a.case_id == c.id)
             .where(a.at >= self.scope.since, a.at < self.scope.until, a.decision == "approve"))
        if self.scope.teams is not None:
            q = q.where(c.team.in_(self.scope.teams))
        table = Table("approval_turnaround", "Approval turnaround (draft to approval)", ["time", "approvals"],
                      await self._rows(q.group_by(literal_column("bin"))))
        _order(table)
        return table

    async def guardrail_blocks(self) -> Table:
        if self.dialect == "sqlite":
            each, rule, sev = "json_each(d.findings) AS f", "json_extract(f.value, '$.rule')", "json_extract(f.value, '$.severity')"
        else:
            each, rule, sev = "json_array_elements(d.findings) AS f(value)", "f.value->>'rule'", "f.value->>'severity'"
        teams = " AND c.team IN :teams" if self.scope.teams is not None else ""
        sql = text(f"SELECT {rule} AS rule, count(*) FROM drafts d JOIN cases c ON c.id = d.case_id, {each} "
                   f"WHERE d.blocked AND d.created_at >= :since AND d.created_at < :until AND {sev} = 'block'{teams} "
                   "GROUP BY rule ORDER BY count(*) DESC")
        params = {"since": self.scope.since, "until": self.scope.until}
        if self.scope.teams is not None:
            sql = sql.bindparams(bindparam("teams", expanding=True))
            params["teams"] = self.scope.teams
        rows = [list(r) for r in (await self.s.execute(sql, params)).all()]
        return Table("guardrail_blocks", "Guardrail blocks by rule", ["rule", "blocks"], rows)

    async def topics(self, limit: int = 10) -> Table:
        """Terms that grew most against the period before, on the latest posts of each."""
        length = self.scope.until - self.scope.since

        async def words(since: datetime, until: datetime) -> Counter:
            m = t.Mention
            q = self._mentions(m.text, since=since, until=until).order_by(m.id.desc()).limit(TOPIC_SAMPLE)
            counter: Counter = Counter()
            for (body,) in (await self.s.execute(q)).all():
                counter.update({w.casefold() for w in _WORD.findall(body)})
            return counter

        now = await words(self.scope.since, self.scope.until)
        before = await words(self.scope.since - length, self.scope.since)

        grown = [(w, n, before.get(w, 0)) for w, n in now.items() if w not in STOP and n >= 3]
        grown.sort(key=lambda r: (-(r[1] - r[2]), r[0]))
        return Table("top_topics", "Topics that grew most", ["term", "this_period", "period_before"],
                     [list(r) for r in grown[:limit] if r[1] > r[2]])

    async def advocates(self) -> Table:
        rows = await advocates.leaderboard(self.s, self.scope.since, self.scope.until, self.scope.teams)
        return Table("advocates", "Advocates", ["author", "network", "positive_posts", "followers", "score"],
                     [[f"@{r.handle}", r.network, r.positive, r.followers, r.score] for r in rows])

    async def partners(self, names: list[str]) -> Table:
        c = t.Case
        replied = func.sum(case((c.first_response_at.is_not(None), 1), else_=0))
        in_sla = func.sum(case((c.first_response_at <= c.sla_due_at, 1), else_=0))
        secs = func.avg(seconds_between(c.opened_at, c.first_response_at, self.dialect))
        q = self._cases(c.team, func.count(), replied, in_sla, secs).where(c.team.in_(names)).group_by(c.team).order_by(c.team)
        rows = [[team, n, r or 0, s or 0, round((avg or 0) / 60, 1)] for team, n, r, s, avg in await self._rows(q)]
        return Table("partners", "Partner channels (their own cases)", ["partner", "cases", "replied",
                                                                       "replied_within_sla", "avg_first_response_min"], rows)


async def collect(s: AsyncSession, scope: Scope, partner_teams: list[str]) -> list[Table]:
    f = Figures(s, scope)
    c = t.Case
    tables = [await f.volume("network"), await f.volume("route"), await f.volume("team"), await f.sentiment(),
              await f.times("first_response", "First response time against the SLA", c.first_response_at, c.sla_due_at),
              await f.times("resolution", "Resolution time against the SLA", c.closed_at, c.resolve_due_at),
              await f.stages(), await f.approvals(), await f.guardrail_blocks(), await f.topics()]
    if scope.partner is None:
        tables.append(await f.advocates())  # names authors: never in a partner's report
    partners = [p for p in partner_teams if scope.teams is None or p in scope.teams]
    if partners:
        tables.append(await f.partners(partners))
    return tables

