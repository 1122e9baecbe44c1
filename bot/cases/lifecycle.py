"""Cases: one per public conversation, moved through the team's workflow.
Every change is an event on the case timeline (the audit log) and queues a
card update and a thread line naming the person who acted."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.intake.case_batch import BatchPlacer, Item
from bot.clock import Clock, aware
from bot.config.workspace import Workspace, parse_duration
from bot.insights.clocks import SlaClocks
from bot.crm.interactions import Interactions
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.cases.workflow import TransitionRefused, WorkflowRules

SYSTEM = "rejoinder"


class CaseNotFound(Exception):
    pass


class CaseService:
    def __init__(self, ws: Workspace, clock: Clock) -> None:
        self.ws, self.clock = ws, clock
        self.rules = {team.name: WorkflowRules(ws.workflow_for(team.name)) for team in ws.teams}
        self.incident_window = parse_duration(ws.incidents.window)
        self.sla_targets = {p: ws.sla.target(p) for p in ("urgent", "high", "normal", "low")}
        self.sla = SlaClocks(ws)  # due times in each team's business hours
        self.interactions = Interactions(ws)  # write-back to the CRM and webhook sinks

    async def get(self, s: AsyncSession, case_id: int) -> t.Case:
        case = await s.get(t.Case, case_id)
        if case is None:
            raise CaseNotFound(f"There is no case {case_id}.")
        return case

    async def event(self, s: AsyncSession, case: t.Case, actor: str, kind: str, line: str | None = None, **detail) -> None:
        """Record an event; `line` (if given) is also posted in the case's thread.
        The case may be new in this transaction (no id yet)."""
        now = self.clock.now()
        s.add(t.CaseEvent(case=case, at=now, actor=actor, kind=kind, detail=detail))
        enqueue(s, "chat.update", f"update:{uuid.uuid4().hex}", now, case=case)
        if line:
            enqueue(s, "chat.thread", f"thread:{uuid.uuid4().hex}", now, case=case, payload={"text": line})

    async def move(self, s: AsyncSession, case: t.Case, action: str, actor: str,
                   roles: frozenset[str] | None, line: str | None = None, **detail) -> str:
        """Apply a workflow action; `roles=None` is the system acting (no role check)."""
        rules = self.rules[case.team]
        target = rules.target(action)
        if case.stage == target and action in ("draft",):
            # A redraft or an edit stays awaiting approval, but the card must
            # show the new text (approvers approve what they see) and the
            # thread must say who changed it.
            await self.event(s, case, actor, "draft", line, **detail)
            return target
        rules.check(case.stage, target, roles if roles is not None else frozenset({"agent", "approver", "admin"}))
        old, case.stage = case.stage, target
        if not rules.is_open(target):
            case.closed_at = self.clock.now()
        await self.event(s, case, actor, "stage", line, **{"from": old, "to": target, **detail})
        await self.interactions.on_move(s, case, action, actor, detail, self.clock.now())
        return target

    def can(self, case: t.Case, action: str) -> bool:
        rules = self.rules[case.team]
        return rules.can(case.stage, rules.target(action))

    def folds(self, route: str) -> bool:
        routes = self.ws.incidents.routes
        return routes is None or route in routes

    async def attach_batch(self, s: AsyncSession, items: list[Item]) -> None:
        """Place new mentions into cases (sets item.case and item.created) and
        write the mentions with their events."""
        placer = BatchPlacer(self, s)
        await placer.preload(items)
        for item in items:
            await placer.place(item)
        await placer.write(items)

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
