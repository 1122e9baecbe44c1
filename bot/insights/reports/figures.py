"""The report's figures, each a small table, aggregated in the database so a
million cases take seconds: the rows that reach Python are already grouped.

A scope limits a report to some teams (a partner's report holds only the
partner's own cases, and names no customer or author)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, func, literal_column, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.insights import advocates
from bot.insights.spike_watch import STOP
from bot.insights.sqltime import bucket, seconds_between
from bot.insights.zones import zone_name
from bot.store import tables as t

NEGATIVE, POSITIVE = -0.05, 0.05
# Minute bins for response, resolution and approval times.
BINS = [(0, 15), (15, 30), (30, 60), (60, 120), (120, 240), (240, 480), (480, 1440), (1440, None)]
_WORD = re.compile(r"[^\W\d_][\w'’-]{2,}", re.U)
_HANDLES = re.compile(r"(?:https?://|www\.)\S+|[@#]\S+")  # links, @handles and #tags are not topics
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
    axis: str | None = None  # the first column's axis label on a chart, when it needs more than its name

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
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))  # whose days and hours the report counts in

    @property
    def label(self) -> str:
        since, until = self.since.astimezone(self.zone), self.until.astimezone(self.zone)
        return f"{since:%Y-%m-%d %H:%M} – {until:%Y-%m-%d %H:%M} {zone_name(self.zone)}"


def _bins(seconds) -> object:
    whens = [(seconds < (hi or 0) * 60, bin_label(lo, hi)) for lo, hi in BINS if hi is not None]
    return case(*whens, else_=bin_label(*BINS[-1]))


def _all_bins() -> list[str]:
    """Every bin, empty ones too, so a distribution reads as one."""
    return [bin_label(lo, hi) for lo, hi in BINS]


class Figures:
    def __init__(self, s: AsyncSession, scope: Scope, brand_words: frozenset[str] = frozenset()) -> None:
        self.s, self.scope, self.brand_words = s, scope, brand_words
        self.dialect = s.bind.dialect.name
        self._mention_facts: list[list] | None = None
        # Sentiment per hour for a day or two, per day beyond, on the report's
        # clock. The database groups by UTC hour (quarter hour in a zone whose
        # offset is not whole hours); Python folds those into local hours or days.
        self.step = 3600 if scope.until - scope.since <= timedelta(days=2) else 86400
        whole = all(w.astimezone(scope.zone).utcoffset().total_seconds() % 3600 == 0 for w in (scope.since, scope.until))
        self.granule = 3600 if whole else 900
        self._case_facts: list[list] | None = None

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

    async def mention_facts(self) -> list[list]:
        """Mentions grouped by network, route, team, day and feeling: one scan feeds four figures."""
        if self._mention_facts is None:
            m, c = t.Mention, t.Case
            day = bucket(m.created_at, self.dialect, self.granule).label("day")
            feel = case((m.sentiment <= NEGATIVE, "negative"), (m.sentiment >= POSITIVE, "positive"), else_="neutral")
            q = self._mentions(m.network, m.route, c.team, day, feel.label("feel"), func.count()).group_by(
                m.network, m.route, c.team, literal_column("day"), literal_column("feel"))
            self._mention_facts = await self._rows(q)
        return self._mention_facts

    async def case_facts(self) -> list[list]:
        """Cases grouped by team, stage and the bins of their response and resolution times: one scan."""
        if self._case_facts is None:
            c = t.Case
            cols = [c.team, c.stage]
            for end, due in ((c.first_response_at, c.sla_due_at), (c.closed_at, c.resolve_due_at)):
                secs = seconds_between(c.opened_at, end, self.dialect)
                cols.append(case((end.is_(None), None), else_=_bins(secs)))
                cols.append(case((or_(due.is_(None), end <= due), 1), else_=0))  # no target: nothing to miss
            labels = ["team", "stage", "fr_bin", "fr_in", "res_bin", "res_in"]
            fr_secs = func.sum(seconds_between(c.opened_at, c.first_response_at, self.dialect))
            q = self._cases(*[col.label(n) for col, n in zip(cols, labels)], func.count(), fr_secs).group_by(
                *(literal_column(n) for n in labels))
            self._case_facts = await self._rows(q)
        return self._case_facts

    async def volume(self, by: str) -> Table:
        index = {"network": 0, "route": 1, "team": 2}[by]
        counts: Counter = Counter()
        for row in await self.mention_facts():
            counts[row[index] or "(none)"] += row[5]
        return Table(f"volume_{by}", f"Mentions by {by}", [by, "mentions"],
                     [[k, n] for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))])

    def _local_bucket(self, granule: int) -> str:
        """The local hour or day a UTC granule falls in; the hour repeated when clocks go back is told apart."""
        when = datetime.fromtimestamp(granule * self.granule, UTC).astimezone(self.scope.zone)
        if self.step == 86400:
            return f"{when:%Y-%m-%d}"
        return f"{when:%Y-%m-%d %H}:00" + (" (2nd)" if when.fold else "")

    async def sentiment(self) -> Table:
        buckets: dict[str, Counter] = {}
        first: dict[str, int] = {}
        for _net, _route, _team, granule, feel, n in await self.mention_facts():
            label = self._local_bucket(int(granule))
            buckets.setdefault(label, Counter())[feel] += n
            first[label] = min(first.get(label, int(granule)), int(granule))
        unit = "hour" if self.step == 3600 else "day"
        rows = [[label, c["negative"], c["neutral"], c["positive"]]
                for label, c in sorted(buckets.items(), key=lambda kv: first[kv[0]])]
        return Table("sentiment", f"Sentiment per {unit}", [unit, "negative", "neutral", "positive"], rows,
                     axis=f"{unit} ({zone_name(self.scope.zone)})")

    async def times(self, name: str, title: str) -> Table:
        """`name`: first_response or resolution."""
        at = 2 if name == "first_response" else 4
        within: Counter = Counter()
        after: Counter = Counter()
        for row in await self.case_facts():
            if row[at] is not None:
                (within if row[at + 1] else after)[row[at]] += row[6]
        table = Table(name, title, ["time", "within_sla", "after_sla"],
                      [[b, within[b], after[b]] for b in _all_bins()] if within or after else [])
        return table

    async def stages(self) -> Table:
        counts: Counter = Counter()
        for row in await self.case_facts():
            counts[row[1]] += row[6]
        return Table("stages", "Cases by stage", ["stage", "cases"],
                     [[k, n] for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))])

    async def breached(self, now: datetime) -> int:
        """Cases whose first response came (or has not come) after its due time."""
        c = t.Case
        q = self._cases(func.count()).where(c.sla_due_at.is_not(None), func.coalesce(c.first_response_at, now) > c.sla_due_at)
        return (await self.s.execute(q)).scalar_one()

    async def approvals(self) -> Table:
        a, d, c = t.Approval, t.Draft, t.Case
        secs = seconds_between(d.created_at, a.at, self.dialect)
        q = (select(_bins(secs).label("bin"), func.count()).select_from(a).join(d, a.draft_id == d.id).join(c, a.case_id == c.id)
             .where(a.at >= self.scope.since, a.at < self.scope.until, a.decision == "approve"))
        if self.scope.teams is not None:
            q = q.where(c.team.in_(self.scope.teams))
        counts = dict(await self._rows(q.group_by(literal_column("bin"))))
        return Table("approval_turnaround", "Approval turnaround (draft to approval)", ["time", "approvals"],
                     [[b, counts.get(b, 0)] for b in _all_bins()] if counts else [])

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
            # Newest first along the time index: the scan stops at the sample, no sort of the whole period.
            q = self._mentions(m.text, since=since, until=until).order_by(m.created_at.desc()).limit(TOPIC_SAMPLE)
            counter: Counter = Counter()
            for (body,) in (await self.s.execute(q)).all():
                counter.update({w.casefold() for w in _WORD.findall(_HANDLES.sub(" ", body))})
            return counter

        now = await words(self.scope.since, self.scope.until)
        before = await words(self.scope.since - length, self.scope.since)

        skip = STOP | self.brand_words
        grown = [(w, n, before.get(w, 0)) for w, n in now.items() if w not in skip and n >= 3]
        grown.sort(key=lambda r: (-(r[1] - r[2]), r[0]))
        return Table("top_topics", "Topics that grew most", ["term", "this_period", "period_before"],
                     [list(r) for r in grown[:limit] if r[1] > r[2]])

    async def advocates(self) -> Table:
        rows = await advocates.leaderboard(self.s, self.scope.since, self.scope.until, self.scope.teams)
        return Table("advocates", "Advocates", ["author", "network", "positive_posts", "followers", "score"],
                     [[f"@{r.handle}", r.network, r.positive, r.followers, r.score] for r in rows])

    async def partners(self, names: list[str]) -> Table:
        figures: dict[str, list] = {}
        for team, _stage, fr_bin, fr_in, _rb, _ri, n, fr_secs in await self.case_facts():
            if team not in names:
                continue
            f = figures.setdefault(team, [0, 0, 0, 0.0])
            f[0] += n
            if fr_bin is not None:
                f[1] += n
                f[2] += n if fr_in else 0
                f[3] += float(fr_secs or 0)
        rows = [[team, n, r, w, round(secs / r / 60, 1) if r else 0.0] for team, (n, r, w, secs) in sorted(figures.items())]
        return Table("partners", "Partner channels (their own cases)", ["partner", "cases", "replied",
                                                                       "replied_within_sla", "avg_first_response_min"], rows)


async def collect(s: AsyncSession, scope: Scope, partner_teams: list[str],
                  brand_words: frozenset[str] = frozenset()) -> list[Table]:
    f = Figures(s, scope, brand_words)
    tables = [await f.volume("network"), await f.volume("route"), await f.volume("team"), await f.sentiment(),
              await f.times("first_response", "First response time against the SLA"),
              await f.times("resolution", "Resolution time against the SLA"),
              await f.stages(), await f.approvals(), await f.guardrail_blocks(), await f.topics()]
    if scope.partner is None:
        tables.append(await f.advocates())  # names authors: never in a partner's report
    partners = [p for p in partner_teams if scope.teams is None or p in scope.teams]
    if partners:
        tables.append(await f.partners(partners))
    return tables

