"""The crisis holding reply, drafted by itself. While a route is in crisis,
each of its open cases that gets a new post (a case it opens, or one a new
post joins) gets the team's holding reply as a draft, through the normal
path: the guardrails check it, the case goes up for approval and the crisis
label asks for two approvers before anything is published.

Once per case: the draft is written in the same transaction as an outbox
row keyed `crisis:holding:<case>` (the notice in the team's channel). The
key is unique, so a rescan, a restart, a re-delivered post or a second
process never drafts it twice."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bot.cases.lifecycle import SYSTEM
from bot.clock import aware
from bot.insights.crisis import LABEL
from bot.publishing.outbox import enqueue
from bot.store import tables as t

log = logging.getLogger(__name__)
KEY = "crisis:holding:"


class HoldingReplies:
    def __init__(self, core) -> None:
        self.core = core
        self.wake = asyncio.Event()

    def poke(self) -> None:
        self.wake.set()

    async def due(self) -> list[int]:
        """Open cases on routes in crisis that have a post from the crisis and no holding reply yet."""
        on = set(self.core.crisis.on)
        if not on:
            return []
        c, m = t.Case, t.Mention
        async with self.core.db.sessions() as s:
            switched = {mode.route: aware(mode.at) for mode in (await s.execute(
                select(t.CrisisMode).where(t.CrisisMode.route.in_(on), t.CrisisMode.on.is_(True)))).scalars()}
            rows = (await s.execute(select(c.id, c.route, c.labels).where(
                c.route.in_(on), c.closed_at.is_(None), c.incident_of.is_(None)))).all()
            if not rows:
                return []
            ids = [row[0] for row in rows]
            done = {int(k.removeprefix(KEY)) for k in (await s.execute(select(t.Outbox.idempotency_key).where(
                t.Outbox.case_id.in_(ids), t.Outbox.idempotency_key.like(f"{KEY}%")))).scalars()}
            # The newest post of each case: a case only joins the crisis with a post from after the switch.
            latest = dict((await s.execute(select(m.case_id, func.max(m.ingested_at)).where(m.case_id.in_(ids))
                                           .group_by(m.case_id))).all())
        out = []
        for case_id, route, labels in rows:
            if case_id in done:
                continue
            since: datetime | None = switched.get(route)  # None: in crisis from the workspace file
            newest = aware(latest.get(case_id))
            if LABEL in (labels or []) or (since is not None and newest is not None and newest >= since):
                out.append(case_id)
        return out

    async def scan(self) -> int:
        """Draft the holding reply on every case due one; returns how many were drafted."""
        drafted = 0
        for case_id in await self.due():
            try:
                async with self.core.db.transaction() as s:
                    done = await self._draft(s, case_id)
            except IntegrityError:  # another process drafted it first: its commit won
                log.info("the holding reply of case %s was drafted elsewhere", case_id)
                continue
            drafted += done  # counted once committed
        return drafted

    async def _draft(self, s, case_id: int) -> int:
        core = self.core
        case = await core.cases.get(s, case_id)
        # The crisis workflow is the one of the team that owns the route (the case may now sit with PR).
        owner = next((route.team for route in core.ws.routes if route.name == case.route), case.team)
        cfg = core.crisis.config(owner) or core.crisis.config(case.team)
        rules = core.cases.rules[case.team]
        if cfg is None or case.closed_at is not None:
            return 0
        if case.stage == rules.target("draft") or not core.cases.can(case, "draft"):
            return 0  # a reply is already up for approval, or the case cannot take one now: people lead
        if LABEL not in (case.labels or []):
            case.labels = [*(case.labels or []), LABEL]  # a case that joined the crisis: two approvers too
        draft = await core.drafts.add_version(s, case, core.drafts.signed(cfg.holding_reply, "Rejoinder"), SYSTEM,
                                              "template:crisis")
        line = core._draft_line("Rejoinder", draft, "drafted the crisis holding reply", None)
        await core.cases.move(s, case, "draft", SYSTEM, None, line, draft=draft.id)
        text = (f"Crisis on route {case.route}: the holding reply for case #{case.id} is drafted and needs "
                f"{cfg.approvers_required} approvals (`approve {case.id}`).")
        if draft.blocked:
            text = f"Crisis on route {case.route}: the holding reply for case #{case.id} is blocked by the guidelines."
        enqueue(s, "chat.notice", f"{KEY}{case.id}", core.clock.now(), case=case, payload={"team": case.team, "text": text})
        return 1
