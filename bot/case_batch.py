"""Places a batch of new mentions into cases with a few up-front queries:
join the conversation's case, fold a burst into an incident, or open a new
case. New cases are inserted in one flush; the mentions, events and outbox
rows that follow them are written with executemany, not one ORM object each,
because a burst must cost a handful of statements."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import aware
from bot.store import tables as t
from bot.types import RouteMatch, Signals

if TYPE_CHECKING:
    from bot.cases import CaseService

SYSTEM = "rejoinder"


@dataclass
class Item:
    row: dict  # the mention's column values, without case_id
    match: RouteMatch
    signals: Signals
    customer_id: int | None
    case: t.Case | None = None
    created: bool = False

    @property
    def key(self) -> str:
        return f"{self.row['network']}:{self.row['external_id']}"


@dataclass
class _Event:
    case: t.Case
    kind: str
    detail: dict
    line: str | None = None
    card: bool = False  # a new case: post its card (else update it)


@dataclass
class BatchPlacer:
    cases: "CaseService"
    s: AsyncSession
    by_conversation: dict[str, t.Case] = field(default_factory=dict)
    recent: dict[str, list[t.Case]] = field(default_factory=lambda: defaultdict(list))  # unfolded, in the window
    running: dict[str, t.Case] = field(default_factory=dict)  # open incident per route
    events: list[_Event] = field(default_factory=list)

    async def preload(self, items: list[Item]) -> None:
        keys = {i.row["conversation_key"] for i in items}
        if keys:
            rows = await self.s.execute(select(t.Case).where(t.Case.conversation_key.in_(keys)).order_by(t.Case.id))
            self.by_conversation = {c.conversation_key: c for c in rows.scalars()}  # the latest wins
        routes = {i.match.route for i in items if self.cases.folds(i.match.route)}
        if routes:
            since = min(aware(i.row["created_at"]) for i in items) - self.cases.incident_window
            rows = await self.s.execute(
                select(t.Case).where(t.Case.route.in_(routes), t.Case.opened_at >= since).order_by(t.Case.id))
            for case in rows.scalars():
                if case.is_incident and case.closed_at is None:
                    self.running[case.route] = case
                elif not case.is_incident and case.incident_of is None:
                    self.recent[case.route].append(case)

    async def place(self, item: Item) -> None:
        existing = self.by_conversation.get(item.row["conversation_key"])
        if existing is not None:
            self._join(item, existing, "reply in the same conversation")
            rules = self.cases.rules[existing.team]
            if existing.id is not None and not rules.is_open(existing.stage) and self.cases.can(existing, "triage"):
                await self.cases.move(self.s, existing, "triage", SYSTEM, None, "Reopened: the customer wrote again.")
                existing.closed_at = None
            return
        if self.cases.folds(item.match.route) and self._fold(item):
            return
        self._open(item)
        self.recent[item.match.route].append(item.case)

    def _fold(self, item: Item) -> bool:
        route, since = item.match.route, aware(item.row["created_at"]) - self.cases.incident_window
        running = self.running.get(route)
        if running is not None and aware(running.opened_at) >= since:
            self._join(item, running, "burst on route " + route)
            return True
        recent = [c for c in self.recent[route] if aware(c.opened_at) >= since]
        if len(recent) + 1 < self.cases.ws.incidents.threshold:
            return False
        self._open(item, incident=True)
        for case in recent:
            case.incident = item.case
            self.events.append(_Event(case, "folded", {}, "Folded into an incident case."))
        self.recent[route] = []
        self.running[route] = item.case
        return True

    def _open(self, item: Item, incident: bool = False) -> None:
        row, match = item.row, item.match
        opened = min(aware(row["created_at"]), self.cases.clock.now())
        target = self.cases.ws.sla.target(match.priority)
        case = t.Case(
            conversation_key=row["conversation_key"], team=match.team, route=match.route, priority=match.priority,
            labels=list(match.labels) + (["incident"] if incident else []),
            flags=[] if incident else sorted(item.signals.flags), stage=self.cases.rules[match.team].initial,
            network=row["network"], customer_id=None if incident else item.customer_id, is_incident=incident,
            opened_at=opened, sla_due_at=opened + target if target else None,
        )
        self.s.add(case)
        item.case, item.created = case, True
        self.by_conversation[row["conversation_key"]] = case
        self.events.append(_Event(case, "opened", {"route": match.route, "matched": list(match.matched),
                                                   "incident": incident}, card=True))

    def _join(self, item: Item, case: t.Case, why: str) -> None:
        item.case = case
        self.events.append(_Event(case, "mention_joined", {"mention": item.key, "why": why}))

    async def write(self, items: list[Item]) -> None:
        """After the flush that gave new cases their ids: write the rest in bulk."""
        await self.s.flush()
        now = self.cases.clock.now()
        await self.s.execute(insert(t.Mention), [{**i.row, "case_id": i.case.id} for i in items])
        if self.events:
            await self.s.execute(insert(t.CaseEvent), [
                {"case_id": e.case.id, "at": now, "actor": SYSTEM, "kind": e.kind, "detail": e.detail} for e in self.events])
        outbox = []
        for e in self.events:
            kind = "chat.post" if e.card else "chat.update"
            outbox.append(_outbox(kind, e.case.id, now, {}))
            if e.line:
                outbox.append(_outbox("chat.thread", e.case.id, now, {"text": e.line}))
        if outbox:
            await self.s.execute(insert(t.Outbox), outbox)
        timeline = [{"customer_id": i.customer_id, "at": i.row["created_at"], "kind": "mention", "case_id": i.case.id,
                     "network": i.row["network"], "summary": f"on {i.row['network']}: {i.row['text']}"[:500]}
                    for i in items if i.customer_id is not None]
        if timeline:
            await self.s.execute(insert(t.CustomerEvent), timeline)


def _outbox(kind: str, case_id: int, now, payload: dict) -> dict:
    return {"kind": kind, "idempotency_key": f"{kind}:{uuid.uuid4().hex}", "case_id": case_id, "draft_id": None,
            "payload": payload, "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
            "last_error": None, "result": None, "done_at": None}
