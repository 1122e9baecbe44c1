"""Advocates: authors who post positively and repeatedly, weighted by reach.
Score = positive posts × (1 + log10(1 + followers)), less two per negative
post, so one loud fan outranks a quiet one but never a grumbling one."""
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
                      teams: list[str] | None = None, limit: int = 10, candidates: int = 500) -> list[Advocate]:
    """Only positive posts are grouped first (a fraction of all), then the
    `candidates` most frequent posters are weighed by reach and negatives."""
    m, a = t.Mention, t.Author

    def scoped(q):
        if teams is not None:
            q = q.join(t.Case, m.case_id == t.Case.id).where(t.Case.team.in_(teams))
        if since is not None:
            q = q.where(m.created_at >= since)
        if until is not None:
            q = q.where(m.created_at < until)
        return q.where(m.deleted.is_(False))

    positive = (await s.execute(scoped(select(m.author_id, func.count()).where(m.sentiment >= POSITIVE))
                                .group_by(m.author_id).having(func.count() >= MIN_POSITIVE)
                                .order_by(func.count().desc()).limit(candidates))).all()
    if not positive:
        return []
    ids = [author_id for author_id, _n in positive]
    _pos, neg, total, last = _tally()
    rest = {row[0]: row[1:] for row in (await s.execute(
        scoped(select(m.author_id, neg, total, last).where(m.author_id.in_(ids))).group_by(m.author_id))).all()}
    people = {row[0]: row[1:] for row in (await s.execute(
        select(a.id, a.network, a.handle, a.name, a.followers).where(a.id.in_(ids)))).all()}
    rows = [Advocate(author_id, *people[author_id], n, *rest[author_id]) for author_id, n in positive]
    rows = [r for r in rows if r.score > 0]
    rows.sort(key=lambda r: (-r.score, r.handle))
    return rows[:limit]


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
