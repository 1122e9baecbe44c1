"""Advocates: authors who post positively and repeatedly, weighted by reach.
Score = positive posts × (1 + log10(1 + followers)), less two per negative
post, so one loud fan outranks a quiet one but never a grumbling one.

The score is computed in the database (log10 is built into PostgreSQL and
into SQLite since 3.35; `bot.store.db` adds it where a build lacks it)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t

POSITIVE, NEGATIVE = 0.5, -0.05
MIN_POSITIVE = 2
LABEL = "advocate"


@dataclass(frozen=True)
class Advocate:
    author_id: int
    network: str
    handle: str
    name: str
    followers: int
    positive: int
    negative: int
    mentions: int
    last_at: datetime

    @property
    def score(self) -> float:
        return round(self.positive * (1 + math.log10(1 + self.followers)) - 2 * self.negative, 1)


def _tally():
    m = t.Mention
    return (func.sum(case((m.sentiment >= POSITIVE, 1), else_=0)), func.sum(case((m.sentiment <= NEGATIVE, 1), else_=0)),
            func.count(m.id), func.max(m.created_at))


async def leaderboard(s: AsyncSession, since: datetime | None = None, until: datetime | None = None,
                      teams: list[str] | None = None, limit: int = 10) -> list[Advocate]:
    """One pass in the database: every author's posts of the period grouped,
    scored and ranked there, so only the leaderboard's rows reach Python."""
    m, a = t.Mention, t.Author
    pos, neg, total, last = _tally()
    score = pos * (1 + func.log10(1 + a.followers)) - 2 * neg
    q = (select(m.author_id, a.network, a.handle, a.name, a.followers, pos, neg, total, last)
         .select_from(m).join(a, m.author_id == a.id).where(m.deleted.is_(False)))
    if teams is not None:
        q = q.join(t.Case, m.case_id == t.Case.id).where(t.Case.team.in_(teams))
    if since is not None:
        q = q.where(m.created_at >= since)
    if until is not None:
        q = q.where(m.created_at < until)
    q = (q.group_by(m.author_id, a.network, a.handle, a.name, a.followers)
         .having(pos >= MIN_POSITIVE).having(score > 0).order_by(score.desc(), a.handle).limit(limit))
    rows = [Advocate(*row) for row in (await s.execute(q)).all()]
    rows.sort(key=lambda r: (-r.score, r.handle))
    return rows


async def is_advocate(s: AsyncSession, author_id: int) -> bool:
    m = t.Mention
    pos, neg, _total, _last = _tally()
    got = (await s.execute(select(pos, neg).where(m.author_id == author_id, m.deleted.is_(False)))).one()
    return (got[0] or 0) >= MIN_POSITIVE and (got[0] or 0) > 2 * (got[1] or 0)


async def history(s: AsyncSession, handle: str, limit: int = 10) -> list[tuple[datetime, str, float, str, int | None]]:
    """An author's latest posts: (when, network, sentiment, text, case)."""
    m, a = t.Mention, t.Author
    rows = await s.execute(select(m.created_at, m.network, m.sentiment, m.text, m.case_id).join(a, m.author_id == a.id)
                           .where(func.lower(a.handle) == handle.lstrip("@").casefold())
                           .order_by(m.created_at.desc()).limit(limit))
    return list(rows.all())


async def advocate_label(s: AsyncSession, author_id: int) -> tuple[str, ...]:
    """("advocate",) for a card whose author is one, else ()."""
    return (LABEL,) if await is_advocate(s, author_id) else ()
