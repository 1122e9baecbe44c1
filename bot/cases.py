"""Cases: one per public conversation, moved through the team's workflow.
Every change is an event on the case timeline (the audit log) and queues a
card update and a thread line naming the person who acted."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, aware
from bot.config.workspace import Workspace, parse_duration
from bot.outbox import enqueue
from bot.store import tables as t
from bot.types import RouteMatch, Signals
from bot.workflow import TransitionRefused, WorkflowRules

SYSTEM = "rejoinder"


class CaseNotFound(Exception):
    pass


class CaseService:
    def __init__(self, ws: Workspace, clock: Clock) -> None:
        self.ws, self.clock = ws, clock
        self.rules = {team.name: WorkflowRules(ws.workflow_for(team.name)) for team in ws.teams}
        self.incident_window = parse_duration(ws.incidents.window)

    async def get(self, s: AsyncSession, case_id: int) -> t.Case:
        case = await s.get(t.Case, case_id)
        if case is None:
            raise CaseNotFound(f"There is no case {case_id}.")
        return case

    async def event(self, s: AsyncSession, case: t.Case, actor: str, kind: str, line: str | None = None, **detail) -> None:
        """Record an event; `line` (if given) is also posted in the case's thread."""
        now = self.clock.now()
        s.add(t.CaseEvent(case_id=case.id, at=now, actor=actor, kind=kind, detail=detail))
        enqueue(s, "chat.update", f"update:{case.id}:{uuid.uuid4().hex}", now, case_id=case.id)
        if line:
            enqueue(s, "chat.thread", f"thread:{case.id}:{uuid.uuid4().hex}", now, case_id=case.id, payload={"text": line})

    async def move(self, s: AsyncSession, case: t.Case, action: str, actor: str,
                   roles: frozenset[str] | None, line: str | None = None, **detail) -> str:
        """Apply a workflow action; `roles=None` is the system acting (no role check)."""
        rules = self.rules[case.team]
        target = rules.target(action)
        if case.stage == target and action in ("draft",):
            return target  # a redraft stays awaiting approval
        rules.check(case.stage, target, roles if roles is not None else frozenset({"agent", "approver", "admin"}))
        old, case.stage = case.stage, target
        if not rules.is_open(target):
            case.closed_at = self.clock.now()
        await self.event(s, case, actor, "stage", line, **{"from": old, "to": target, **detail})
        return target

    def can(self, case: t.Case, action: str) -> bool:
        rules = self.rules[case.team]
        return rules.can(case.stage, rules.target(action))

    async def attach(self, s: AsyncSession, mention: t.Mention, match: RouteMatch, signals: Signals,
                     customer_id: int | None) -> tuple[t.Case, bool]:
        """Join the mention to its conversation's case, to a running incident,
        or open a new case. Returns (case, created)."""
        existing = (
            await s.execute(
                select(t.Case).where(t.Case.conversation_key == mention.conversation_key).order_by(t.Case.id.desc()).limit(1)
            )
        ).scalar_one_or_none()
        if existing is not None:
            await self._join(s, existing, mention, "reply in the same conversation")
            if not self.rules[existing.team].is_open(existing.stage) and self.can(existing, "triage"):
                await self.move(s, existing, "triage", SYSTEM, None, "Reopened: the customer wrote again.")
            return existing, False
        folded = await self._incident_for(s, match, mention)
        if folded is not None:
            return folded
        return await self._open(s, mention, match, signals, customer_id), True

    async def _open(self, s: AsyncSession, mention: t.Mention, match: RouteMatch, signals: Signals,
                    customer_id: int | None, incident: bool = False) -> t.Case:
        opened = min(aware(mention.created_at), self.clock.now())
        target = self.ws.sla.target(match.priority)
        case = t.Case(
            conversation_key=mention.conversation_key, team=match.team, route=match.route, priority=match.priority,
            labels=list(match.labels) + (["incident"] if incident else []), flags=sorted(signals.flags),
            stage=self.rules[match.team].initial, network=mention.network, customer_id=customer_id,
            is_incident=incident, opened_at=opened, sla_due_at=opened + target if target else None,
        )
        s.add(case)
        await s.flush()
        mention.case_id = case.id
        s.add(t.CaseEvent(case_id=case.id, at=self.clock.now(), actor=SYSTEM, kind="opened",
                          detail={"route": match.route, "matched": list(match.matched), "incident": incident}))
        enqueue(s, "chat.post", f"card:{case.id}", self.clock.now(), case_id=case.id)
        return case

    async def _join(self, s: AsyncSession, case: t.Case, mention: t.Mention, why: str) -> None:
        mention.case_id = case.id
        await self.event(s, case, SYSTEM, "mention_joined", None, mention=f"{mention.network}:{mention.external_id}", why=why)

    async def _incident_for(self, s: AsyncSession, match: RouteMatch, mention: t.Mention) -> tuple[t.Case, bool] | None:
        """A burst on one route folds into one incident case instead of flooding
        the channel. Returns (incident, created) or None when there is no burst."""
        routes = self.ws.incidents.routes
        if routes is not None and match.route not in routes:
            return None
        since = aware(mention.created_at) - self.incident_window
        running = (
            await s.execute(
                select(t.Case).where(t.Case.route == match.route, t.Case.is_incident.is_(True), t.Case.opened_at >= since,
                                     t.Case.closed_at.is_(None)).order_by(t.Case.id.desc()).limit(1)
            )
        ).scalar_one_or_none()
        if running is not None:
            await self._join(s, running, mention, "burst on route " + match.route)
            return running, False
        recent = list((
            await s.execute(
                select(t.Case).where(t.Case.route == match.route, t.Case.opened_at >= since,
                                     t.Case.is_incident.is_(False), t.Case.incident_of.is_(None))
            )
        ).scalars())
        if len(recent) + 1 < self.ws.incidents.threshold:
            return None
        signals = Signals(None, 0.0, "neutral", 0, frozenset())
        incident = await self._open(s, mention, match, signals, None, incident=True)
        for case in recent:
            case.incident_of = incident.id
            await self.event(s, case, SYSTEM, "folded", f"Part of incident case {incident.id}.", incident=incident.id)
        return incident, True

    async def note(self, s: AsyncSession, case: t.Case, author: str, text: str, *, kind: str = "note",
                   chat_ref: str | None = None, line: str | None = None) -> bool:
        """Store an internal note. Returns False for a duplicate chat delivery."""
        if chat_ref is not None:
            dup = (await s.execute(select(t.Note.id).where(t.Note.chat_ref == chat_ref))).scalar_one_or_none()
            if dup is not None:
                return False
        s.add(t.Note(case_id=case.id, author=author, text=text, kind=kind, chat_ref=chat_ref, at=self.clock.now()))
        await self.event(s, case, author, kind, line, text=text[:500])
        return True

    async def mentions(self, s: AsyncSession, case_id: int) -> list[t.Mention]:
        rows = await s.execute(select(t.Mention).where(t.Mention.case_id == case_id).order_by(t.Mention.created_at, t.Mention.id))
        return list(rows.scalars())

    async def timeline(self, s: AsyncSession, case_id: int) -> list[t.CaseEvent]:
        rows = await s.execute(select(t.CaseEvent).where(t.CaseEvent.case_id == case_id).order_by(t.CaseEvent.id))
        return list(rows.scalars())

    async def count_mentions(self, s: AsyncSession, case_id: int) -> int:
        return (await s.execute(select(func.count()).select_from(t.Mention).where(t.Mention.case_id == case_id))).scalar_one()

    def sla_breached(self, case: t.Case, now: datetime | None = None) -> bool:
        due = aware(case.sla_due_at)
        done = aware(case.first_response_at)
        now = now or self.clock.now()
        return due is not None and (done or now) > due

    @staticmethod
    def first_response(case: t.Case) -> timedelta | None:
        if case.first_response_at is None:
            return None
        return aware(case.first_response_at) - aware(case.opened_at)


__all__ = ["CaseService", "CaseNotFound", "TransitionRefused", "SYSTEM"]
