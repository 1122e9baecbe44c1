"""SLA clocks that act. Each open case has a first-response clock (until the
first published reply) and a resolution clock (until it is resolved or
closed), counted in the team's business hours. At `warn_at` of a target the
case's thread and the team's channel are warned; at the target the breach is
announced and the configured escalation runs.

Every alert is an outbox row with a key made of the case, the clock and the
level, written in the same transaction as the escalation it goes with. The
key is unique, so a rescan, a restart or a second process never sends an
alert twice: the second writer's transaction fails and changes nothing."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.cases.lifecycle import SYSTEM, CaseService
from bot.cases.workflow import TransitionRefused
from bot.clock import Clock, aware
from bot.config.insights import Escalation
from bot.config.workspace import Workspace
from bot.insights.clocks import SlaClocks, short
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.store.db import Database

log = logging.getLogger(__name__)
CLOCKS = {"first_response": "first response", "resolution": "resolution"}


@dataclass(frozen=True)
class Alert:
    case_id: int
    clock: str  # first_response | resolution
    level: str  # warn | breach

    @property
    def key(self) -> str:
        return f"sla:{self.case_id}:{self.clock}:{self.level}"


class SlaWatcher:
    def __init__(self, db: Database, ws: Workspace, clock: Clock, cases: CaseService) -> None:
        self.db, self.ws, self.clock, self.cases = db, ws, clock, cases
        self.clocks = SlaClocks(ws)

    async def due_alerts(self) -> list[tuple[Alert, float, timedelta]]:
        """Alerts whose time has come and that were never queued."""
        now, warn_at = self.clock.now(), self.ws.sla.warn_at
        async with self.db.sessions() as s:
            rows = (await s.execute(
                select(t.Case.id, t.Case.team, t.Case.priority, t.Case.opened_at, t.Case.first_response_at)
                .where(t.Case.closed_at.is_(None), t.Case.incident_of.is_(None)))).all()
            open_ids = select(t.Case.id).where(t.Case.closed_at.is_(None))
            sent = set((await s.execute(select(t.Outbox.idempotency_key).where(
                t.Outbox.case_id.in_(open_ids), t.Outbox.idempotency_key.like("sla:%")))).scalars())
        out = []
        for case_id, team, priority, opened, first_response in rows:
            if team not in self.clocks.calendars:
                continue
            for clock in CLOCKS:
                if clock == "first_response" and first_response is not None:
                    continue
                if f"{Alert(case_id, clock, 'breach').key}:thread" in sent:
                    continue  # this clock has said all it has to say
                got = self.clocks.used(team, priority, clock, aware(opened), now)
                if got is None:
                    continue
                share, target = got
                level = "breach" if share >= 1 else "warn" if share >= warn_at else None
                if level is None:
                    continue
                alert = Alert(case_id, clock, level)
                if f"{alert.key}:thread" not in sent:
                    out.append((alert, share, target))
        return out

    async def scan(self) -> int:
        """Queue every due alert (and run escalations); returns how many were queued."""
        queued = 0
        for alert, share, target in await self.due_alerts():
            try:
                async with self.db.transaction() as s:
                    await self._queue(s, alert, share, target)
                queued += 1
            except IntegrityError:  # another process queued it first
                log.info("SLA alert %s was queued elsewhere", alert.key)
        return queued

    async def _queue(self, s, alert: Alert, share: float, target: timedelta) -> None:
        case = await self.cases.get(s, alert.case_id)
        now, what = self.clock.now(), CLOCKS[alert.clock]
        due = self.clocks.due(case.team, case.priority, aware(case.opened_at), alert.clock)
        due = due.astimezone(self.clocks.calendars[case.team].zone_info)  # told on the team's clock
        if alert.level == "warn":
            text = (f"SLA warning: case #{case.id} ({case.priority}) has used {share:.0%} of its {short(target)} "
                    f"{what} target (business hours); due {due:%Y-%m-%d %H:%M %Z}.")
            steps: list[str] = []
            people: list[str] = []
        else:
            text = f"SLA breached: case #{case.id} ({case.priority}) passed its {short(target)} {what} target " \
                   f"at {due:%Y-%m-%d %H:%M %Z}."
            steps, people = await self._escalate(s, case, self.clocks.escalation(case.team))
            text += (" Escalation: " + "; ".join(steps) + ".") if steps else ""
        enqueue(s, "chat.thread", f"{alert.key}:thread", now, case=case, payload={"text": text})
        enqueue(s, "chat.notice", f"{alert.key}:channel", now, case=case,
                payload={"team": case.team, "text": text, "people": people})
        await self.cases.event(s, case, SYSTEM, f"sla_{alert.level}", clock=alert.clock, share=round(share, 3),
                               target_s=target.total_seconds(), escalation=steps)

    async def _escalate(self, s, case: t.Case, esc: Escalation) -> tuple[list[str], list[str]]:
        steps = []
        if esc.reassign and case.assignee != esc.reassign:
            case.assignee = esc.reassign
            await self.cases.event(s, case, SYSTEM, "assigned", assignee=esc.reassign, assignee_name=esc.reassign,
                                   why="sla breach")
            steps.append(f"reassigned to {esc.reassign}")
        if esc.move:
            try:
                stage = await self.cases.move(s, case, esc.move, SYSTEM, None, None, why="sla breach")
                steps.append(f"moved to {stage}")
            except TransitionRefused as exc:
                steps.append(f"not moved ({exc})")
        if esc.notify:
            steps.append("notifying " + ", ".join(esc.notify))
        return steps, list(esc.notify)
