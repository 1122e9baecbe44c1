"""Which outbox rows an interaction queues: one per system of record that
wants it (the CRM, each webhook sink), written in the same transaction as the
change that causes it. The row's idempotency key is also the key stored on
the CRM record, so a retry finds an earlier write instead of doubling it."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import aware
from bot.config.workspace import Workspace, parse_duration
from bot.crm.resolve import subject
from bot.publishing.outbox import enqueue
from bot.store import tables as t

# Workflow actions that are interactions with the customer.
ACTIONS = {"publish": "reply", "resolve": "resolution", "escalate": "escalation"}


def fit(key: str, limit: int = 200) -> str:
    """Keys hold a post's id (up to 300 characters): a long one keeps its start and a digest."""
    if len(key) <= limit:
        return key
    return f"{key[:limit - 41]}~{hashlib.sha1(key.encode()).hexdigest()}"


def _row(kind: str, key: str, case_id: int, now: datetime, payload: dict, draft_id: int | None = None) -> dict:
    """An outbox row as plain values, for the intake batch's bulk insert."""
    return {"kind": kind, "idempotency_key": key, "case_id": case_id, "draft_id": draft_id, "payload": payload,
            "status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
            "last_error": None, "result": None, "done_at": None}


class Interactions:
    def __init__(self, ws: Workspace) -> None:
        crm = ws.crm
        self.reads = crm is not None
        self.ttl = parse_duration(crm.cache_ttl) if crm else None
        self.crm_events = set(crm.writeback) if crm else set()
        self.ticket_routes = set(crm.tickets.routes) if crm and crm.tickets else set()
        self.sinks = [(sink.name, set(sink.events)) for sink in ws.sinks]

    def _targets(self, event: str) -> list[tuple[str, str]]:
        """(outbox kind, key prefix) for every system that takes `event`."""
        out = [("crm.write", "crm")] if event in self.crm_events else []
        return out + [("crm.webhook", f"hook:{name}") for name, events in self.sinks if event in events]

    def for_batch(self, items: list, now: datetime) -> list[dict]:
        """Rows for a batch of routed mentions (bot.intake.case_batch.Item):
        a card refresh per case and author, and each mention written back."""
        rows, asked = [], set()
        for item in items:
            network, external_id = item.row["network"], item.row["external_id"]
            ref = {"network": network, "external_id": external_id, "event": "mention", "at": now.isoformat(),
                   "route": item.match.route}
            if self.reads and (item.case_id, item.row["author_id"]) not in asked:
                asked.add((item.case_id, item.row["author_id"]))
                rows.append(_row("crm.refresh", f"crm.refresh:{uuid.uuid4().hex}", item.case_id, now, ref))
            for kind, prefix in self._targets("mention"):
                rows.append(_row(kind, fit(f"{prefix}:mention:{network}:{external_id}"), item.case_id, now, ref))
            if item.created and item.match.route in self.ticket_routes:
                rows.append(_row("crm.ticket", f"crm:ticket:{item.case_id}", item.case_id, now,
                                 {**ref, "event": "ticket_open"}))
        return rows

    async def _look_up_if_unknown(self, s: AsyncSession, case: t.Case, now: datetime) -> None:
        """A case from before the CRM was configured, whose lookup was
        forgotten (a link) or has grown older than the cache's TTL gets one,
        so its card does not wait for a new mention to be current."""
        root = (await s.execute(select(t.Mention.network, t.Mention.external_id, t.Author.handle)
                                .join(t.Author, t.Mention.author_id == t.Author.id)
                                .where(t.Mention.case_id == case.id).order_by(t.Mention.id).limit(1))).one_or_none()
        if root is None:
            return
        cached = await s.get(t.CrmCache, subject(root.network, root.handle))
        if cached is not None and cached.status == "unavailable":
            return  # a lookup is already queued and retrying until the CRM answers
        if cached is None or cached.fetched_at is None or now - aware(cached.fetched_at) >= self.ttl:
            enqueue(s, "crm.refresh", f"crm.refresh:{uuid.uuid4().hex}", now, case=case,
                    payload={"network": root.network, "external_id": root.external_id})

    async def on_move(self, s: AsyncSession, case: t.Case, action: str, actor: str, detail: dict,
                      now: datetime) -> None:
        """After a workflow move, in its transaction: a reply, a resolution or an escalation."""
        if self.reads and not case.is_incident:
            await self._look_up_if_unknown(s, case, now)
        event = ACTIONS.get(action)
        if event is None:
            return
        if event == "resolution" and case.route in self.ticket_routes:
            enqueue(s, "crm.ticket", f"crm:ticket-close:{case.id}:{uuid.uuid4().hex}", now, case=case,
                    payload={"event": "ticket_close", "at": now.isoformat()})
        targets = self._targets(event)
        if not targets:
            return
        draft_id = None
        if event == "reply":
            draft_id = (await s.execute(select(t.Draft.id).where(t.Draft.case_id == case.id)
                                        .order_by(t.Draft.version.desc()).limit(1))).scalar_one_or_none()
        # A reply is keyed by the post it made; a case may be resolved or escalated more than once.
        suffix = f"{case.id}:{detail.get('reply')}" if event == "reply" else f"{case.id}:{uuid.uuid4().hex}"
        text = detail.get("reason") or detail.get("note") or ""
        payload = {"event": event, "at": now.isoformat(), "actor": actor, "url": detail.get("url"), "text": text,
                   "route": case.route}
        if not case.is_incident:
            for kind, prefix in targets:
                enqueue(s, kind, fit(f"{prefix}:{event}:{suffix}"), now, case=case, draft_id=draft_id, payload=payload)
            return
        # An incident speaks to everyone in it: each author's record gets the reply, resolution or escalation.
        for author_id, network, handle in await self._incident_authors(s, case.id):
            for kind, prefix in targets:
                enqueue(s, kind, fit(f"{prefix}:{event}:{suffix}:{network}:{handle}"), now, case=case,
                        draft_id=draft_id, payload={**payload, "author_id": author_id})

    @staticmethod
    async def _incident_authors(s: AsyncSession, incident_id: int) -> list[tuple[int, str, str]]:
        """Authors of the incident's mentions and of the cases folded into it, once each, first seen first."""
        folded = select(t.Case.id).where(t.Case.incident_of == incident_id)
        rows = await s.execute(select(t.Author.id, t.Author.network, t.Author.handle)
                               .join(t.Mention, t.Mention.author_id == t.Author.id)
                               .where((t.Mention.case_id == incident_id) | t.Mention.case_id.in_(folded))
                               .order_by(t.Mention.id))
        return list(dict.fromkeys(tuple(r) for r in rows))
