"""Figures for people: a person's dashboard and the team-wide stats."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from statistics import median
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.clock import aware
from bot.store import tables as t
from bot.types import CaseSummary, ChatUser, HomeView

if TYPE_CHECKING:
    from bot.core import Core


def _summary(case: t.Case, mention: t.Mention, author: t.Author) -> CaseSummary:
    return CaseSummary(case.id, case.team, case.stage, case.priority, case.network, author.handle,
                       mention.text[:120], aware(case.sla_due_at))


async def _open_cases(core: "Core") -> list[tuple[t.Case, t.Mention, t.Author]]:
    async with core.db.sessions() as s:
        cases = list((await s.execute(select(t.Case).where(t.Case.closed_at.is_(None)).order_by(t.Case.id))).scalars())
        out = []
        for case in cases:
            first = (await s.execute(
                select(t.Mention, t.Author).join(t.Author, t.Mention.author_id == t.Author.id)
                .where(t.Mention.case_id == case.id).order_by(t.Mention.id).limit(1)
            )).first()
            if first:
                out.append((case, *first))
        return out


async def home_view(core: "Core", user: ChatUser) -> HomeView:
    actor = core.actor(user)
    rows = [r for r in await _open_cases(core) if "partner" not in actor.roles or r[0].team in core.partner_teams]
    now = core.clock.now()
    waiting_stage = {team: rules.target("draft") for team, rules in core.cases.rules.items()}
    awaiting = []
    if actor.roles & {"approver", "admin"}:
        async with core.db.sessions() as s:
            for case, m, a in rows:
                if case.stage != waiting_stage[case.team]:
                    continue
                draft = await core.drafts.current(s, case.id)
                facts = await core.drafts.facts(s, draft)
                if user.id not in facts.authors and user.id not in facts.approved_by and not facts.blocked_reasons:
                    awaiting.append(_summary(case, m, a))
    stats = await team_stats(core, since=now - timedelta(days=1))
    return HomeView(
        user=user,
        assigned_to_me=[_summary(*r) for r in rows if r[0].assignee == user.id],
        awaiting_my_approval=awaiting,
        sla_breaches=[_summary(*r) for r in rows if core.cases.sla_breached(r[0], now)],
        volume_today=stats["routed"],
        sentiment_mix=stats["sentiment"],
    )


async def team_stats(core: "Core", since=None) -> dict:
    async with core.db.sessions() as s:
        q = select(t.Mention.route, t.Mention.sentiment, t.Case.team).join(t.Case, t.Mention.case_id == t.Case.id)
        if since is not None:
            q = q.where(t.Mention.created_at >= since)
        mentions = (await s.execute(q)).all()
        cases = list((await s.execute(select(t.Case))).scalars())
    frt = [core.cases.first_response(c).total_seconds() for c in cases if c.first_response_at]
    breached = sum(1 for c in cases if core.cases.sla_breached(c))
    return {
        "routed": dict(Counter(team for _r, _s, team in mentions)),
        "sentiment": dict(Counter("negative" if v <= -0.05 else "positive" if v >= 0.05 else "neutral"
                                  for _r, v, _t in mentions)),
        "cases": len(cases),
        "stages": dict(Counter(c.stage for c in cases)),
        "first_response_median_s": median(frt) if frt else None,
        "first_response_max_s": max(frt) if frt else None,
        "sla_breached": breached,
    }
