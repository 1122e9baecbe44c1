"""Places a batch of new mentions into cases with a few up-front queries:
join the conversation's case, fold a burst into an incident, or open a new
case. New cases are inserted in one flush; the mentions, events and outbox
rows that follow them are written with executemany, not one ORM object each,
because a burst must cost a handful of statements."""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import aware
from bot.store import tables as t
from bot.store.lists import ByDialect
from bot.types import RouteMatch, Signals

if TYPE_CHECKING:
    from bot.cases.lifecycle import CaseService

SYSTEM = "rejoinder"

# Built once per dialect, each list bound as one parameter. The window test is also
# returned as a column, so the database alone decides what is in the window.
_case = t.Case.__table__.c
_BY_KEY = ByDialect(lambda within: select(_case.id, _case.conversation_key, _case.opened_at, _case.incident_of,
                                         _case.team, _case.stage).where(within(_case.conversation_key, "keys"))
                    .order_by(_case.id))


def _by_key_or_window(within):
    in_window = and_(within(_case.route, "routes"), _case.opened_at >= bindparam("since"))
    return (select(_case.id, _case.conversation_key, _case.opened_at, _case.route, _case.is_incident,
                   _case.incident_of, _case.closed_at, in_window.label("in_window"), _case.team, _case.stage)
            .where(or_(within(_case.conversation_key, "keys"), in_window)).order_by(_case.id))


_BY_KEY_OR_WINDOW = ByDialect(_by_key_or_window)


@dataclass
class Item:
    row: dict  # the mention's column values, without case_id
    match: RouteMatch
    signals: Signals
    customer_id: int | None
    ref: "Ref | None" = None
    created: bool = False
    case_id: int | None = None  # set once the case is flushed

    @property
    def key(self) -> str:
        return f"{self.row['network']}:{self.row['external_id']}"


@dataclass
class Ref:
    """A case known by id, or new in this batch (id set once inserted)."""

    opened_at: datetime
    id: int | None = None
    incident: "Ref | None" = None  # the incident it was folded into: its card counts this case's mentions
    closed: bool = False  # a stored case in a closed stage: a new mention reopens it

    @property
    def case_id(self) -> int:
        assert self.id is not None, "case not inserted yet"
        return self.id


@dataclass
class _Event:
    case: Ref
    kind: str
    detail: dict
    line: str | None = None
    card: bool = False  # a new case: post its card (else update it)
    into: Ref | None = None  # a folded case's incident, named once it has an id

    def text(self) -> str | None:
        return f"Folded into incident #{self.into.case_id}." if self.into is not None else self.line

    def values(self) -> dict:
        return {**self.detail, "incident": self.into.case_id} if self.into is not None else self.detail


@dataclass
class BatchPlacer:
    cases: "CaseService"
    s: AsyncSession
    by_conversation: dict[str, Ref] = field(default_factory=dict)
    recent: dict[str, list[Ref]] = field(default_factory=lambda: defaultdict(list))  # unfolded, in the window
    running: dict[str, Ref] = field(default_factory=dict)  # open incident per route
    events: list[_Event] = field(default_factory=list)
    folds: list[tuple[Ref, Ref]] = field(default_factory=list)  # (case, incident)
    new_cases: list[tuple[Ref, dict]] = field(default_factory=list)

    async def preload(self, items: list[Item]) -> None:
        """Only ids and times: most batches touch few cases and change none.
        One query finds the cases of the batch's conversations and, for
        routes that fold bursts, the cases opened within the incident window."""
        keys = {i.row["conversation_key"] for i in items}
        if not keys:
            return
        routes = {i.match.route for i in items if self.cases.folds(i.match.route)}
        conn = await self.s.connection()
        if not routes:
            for case_id, key, opened, incident_of, team, stage in await conn.execute(_BY_KEY.on(self.s), {"keys": list(keys)}):
                self.by_conversation[key] = self._known(opened, case_id, incident_of, team, stage)  # latest wins
            return
        since = min(aware(i.row["created_at"]) for i in items) - self.cases.incident_window
        rows = await conn.execute(_BY_KEY_OR_WINDOW.on(self.s), {"keys": list(keys), "routes": list(routes), "since": since})
        for case_id, key, opened, route, is_incident, incident_of, closed_at, in_window, team, stage in rows:
            if key in keys:
                self.by_conversation[key] = self._known(opened, case_id, incident_of, team, stage)
            if not in_window:
                continue
            if is_incident and closed_at is None:
                self.running[route] = Ref(aware(opened), case_id)
            elif not is_incident and incident_of is None:
                self.recent[route].append(Ref(aware(opened), case_id))

    async def place(self, item: Item) -> None:
        existing = self.by_conversation.get(item.row["conversation_key"])
        if existing is not None:
            self._join(item, existing, "reply in the same conversation")
            if existing.closed:  # known from the preload: no query per mention for open cases
                existing.closed = False
                await self._reopen_if_closed(existing.id)
        elif not (self.cases.folds(item.match.route) and self._fold(item)):
            self.recent[item.match.route].append(self._open(item))

    async def _reopen_if_closed(self, case_id: int) -> None:
        case = await self.s.get(t.Case, case_id)
        if not self.cases.rules[case.team].is_open(case.stage) and self.cases.can(case, "triage"):
            await self.cases.move(self.s, case, "triage", SYSTEM, None, "Reopened: the customer wrote again.")
            case.closed_at = None

    def _fold(self, item: Item) -> bool:
        route, since = item.match.route, aware(item.row["created_at"]) - self.cases.incident_window
        running = self.running.get(route)
        if running is not None and running.opened_at >= since:
            self._join(item, running, "burst on route " + route)
            return True
        recent = [r for r in self.recent[route] if r.opened_at >= since]
        if len(recent) + 1 < self.cases.ws.incidents.threshold:
            return False
        incident = self._open(item, incident=True)
        for ref in recent:
            ref.incident = incident
            self.folds.append((ref, incident))
            self.events.append(_Event(ref, "folded", {}, into=incident))
        self.recent[route] = []
        self.running[route] = incident
        return True

    def _open(self, item: Item, incident: bool = False) -> Ref:
        row, match = item.row, item.match
        opened = min(aware(row["created_at"]), self.cases.clock.now())
        ref = Ref(opened)
        self.new_cases.append((ref, {
            "conversation_key": row["conversation_key"], "team": match.team, "route": match.route,
            "priority": match.priority, "labels": list(match.labels) + (["incident"] if incident else []),
            "flags": [] if incident else sorted(item.signals.flags), "stage": self.cases.rules[match.team].initial,
            "network": row["network"], "assignee": None, "customer_id": None if incident else item.customer_id,
            "high_risk": False, "is_incident": incident, "incident_of": None, "opened_at": opened,
            "sla_due_at": self.cases.sla.due(match.team, match.priority, opened), "first_response_at": None,
            "closed_at": None, "card_ref": None, "card_key": None,
            "resolve_due_at": self.cases.sla.due(match.team, match.priority, opened, "resolution"),
        }))
        item.ref, item.created = ref, True
        self.by_conversation[row["conversation_key"]] = ref
        self.events.append(_Event(ref, "opened", {"route": match.route, "matched": list(match.matched),
                                                  "incident": incident}, card=True))
        return ref

    def _join(self, item: Item, ref: Ref, why: str) -> None:
        item.ref = ref
        self.events.append(_Event(ref, "mention_joined", {"mention": item.key, "why": why}))

    async def write(self, items: list[Item]) -> None:
        """Insert the new cases (ids come back in order), then the rest in bulk."""
        # Core tables on the session's connection: the ORM's bulk path costs per row.
        conn = await self.s.connection()
        if self.new_cases:
            # New cases of one batch have distinct conversation keys, so ids map back
            # by key; asking for parameter order would make SQLite insert row by row.
            cases = t.Case.__table__
            stmt = insert(cases).returning(cases.c.id, cases.c.conversation_key)
            ids = dict((key, case_id) for case_id, key in await conn.execute(stmt, [v for _, v in self.new_cases]))
            for ref, values in self.new_cases:
                ref.id = ids[values["conversation_key"]]
        for item in items:
            item.case_id = item.ref.case_id
        now = self.cases.clock.now()
        await conn.execute(insert(t.Mention.__table__), [{**i.row, "case_id": i.case_id} for i in items])
        for ref, incident in self.folds:
            await conn.execute(update(t.Case.__table__).where(t.Case.id == ref.case_id).values(incident_of=incident.case_id))
        if self.events:
            await conn.execute(insert(t.CaseEvent.__table__), [
                {"case_id": e.case.case_id, "at": now, "actor": SYSTEM, "kind": e.kind, "detail": e.values()}
                for e in self.events])
        outbox = []
        drawn: set[int] = set()  # cases whose card is posted or refreshed by this batch already
        for e in self.events:
            # The card is drawn from the case as committed, so one post or edit
            # per case covers the whole batch: a burst folding into an incident
            # must not queue one rate-limited edit per mention.
            if e.card or e.case.case_id not in drawn:
                outbox.append(_outbox("chat.post" if e.card else "chat.update", e.case.case_id, now, {}))
                drawn.add(e.case.case_id)
            incident = e.case.incident
            if e.kind == "mention_joined" and incident is not None and incident.case_id not in drawn:
                outbox.append(_outbox("chat.update", incident.case_id, now, {}))  # its count grew
                drawn.add(incident.case_id)
            line = e.text()
            if line:
                outbox.append(_outbox("chat.thread", e.case.case_id, now, {"text": line}))
        outbox += self.cases.interactions.for_batch(items, now)  # CRM reads and write-back, if configured
        if outbox:
            await conn.execute(insert(t.Outbox.__table__), outbox)
        timeline = [{"customer_id": i.customer_id, "at": i.row["created_at"], "kind": "mention", "case_id": i.case_id,
                     "network": i.row["network"], "summary": f"on {i.row['network']}: {i.row['text']}"[:500]}
                    for i in items if i.customer_id is not None]
        if timeline:
            await conn.execute(insert(t.CustomerEvent.__table__), timeline)

    def _known(self, opened: datetime, case_id: int, incident_of: int | None, team: str, stage: str) -> Ref:
        rules = self.cases.rules.get(team)
        return Ref(aware(opened), case_id, Ref(aware(opened), incident_of) if incident_of is not None else None,
                   closed=rules is not None and not rules.is_open(stage))


def _outbox(kind: str, case_id: int, now, payload: dict) -> dict:
    return {"kind": kind, "idempotency_key": f"{kind}:{uuid.uuid4().hex}", "case_id": case_id, "draft_id": None,
            "payload": payload, "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
            "last_error": None, "result": None, "done_at": None}
