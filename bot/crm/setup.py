"""Builds the CRM side from the workspace: the directory (HubSpot or
Salesforce, imported only when configured), the read cache, the write-back
handlers and their outbox worker. The worker never gives a row up on a
transient failure: a long outage queues writes, it does not lose them."""
from __future__ import annotations

import uuid
from collections.abc import Callable

from bot.clock import Clock
from bot.config.workspace import Workspace, parse_duration
from bot.crm.reads import CrmReads
from bot.crm.writes import CrmWrites
from bot.ports import CustomerDirectory
from bot.publishing.outbox import OutboxWorker, enqueue
from bot.store.db import Database

FOREVER = 10**9  # attempts: only a permanent failure ends a write-back row


class MissingSecret(Exception):
    pass


def build_directory(ws: Workspace, secret: Callable[[str], str | None], db: Database | None = None) -> CustomerDirectory | None:
    """`secret(name)`: the value of an environment variable named in the workspace."""
    crm = ws.crm
    if crm is None:
        return None
    if crm.type == "builtin":
        from bot.people.builtin_directory import BuiltinDirectory

        return BuiltinDirectory(db)

    def need(var: str | None) -> str:
        value = secret(var) if var else None
        if not value:
            raise MissingSecret(f"crm ({crm.type}) reads a secret from {var}, which is not set")
        return value

    if crm.type == "hubspot":
        from integrations.crm.hubspot import HubSpotDirectory

        return HubSpotDirectory(crm, need(crm.token_env))
    from integrations.crm.salesforce import SalesforceDirectory

    return SalesforceDirectory(crm, {name: need(getattr(crm, name)) for name in SalesforceDirectory.secrets(crm)})


def build_sinks(ws: Workspace, db: Database, secret: Callable[[str], str | None]):
    if not ws.sinks:
        return None
    from integrations.sinks.webhook import WebhookSender

    sinks = {}
    for sink in ws.sinks:
        value = secret(sink.secret_env)
        if not value:
            raise MissingSecret(f"sink {sink.name!r} reads its secret from {sink.secret_env}, which is not set")
        sinks[sink.name] = (sink.url, value, sink.timeout_s)
    return WebhookSender(db, sinks)


class Crm:
    """Everything CRM the app runs: `reads` for cards, `worker` for the outbox rows."""

    def __init__(self, ws: Workspace, db: Database, clock: Clock, directory: CustomerDirectory | None,
                 sinks=None, on_card_change: Callable[[], None] | None = None) -> None:
        self.directory = directory
        handlers = {}
        self.reads = None
        if directory is not None:
            self.reads = CrmReads(db, clock, directory, parse_duration(ws.crm.cache_ttl), ws.crm.timeout_s, on_card_change)
            writes = CrmWrites(db, directory, self.reads.fresh)
            handlers |= {"crm.refresh": self.reads.refresh, "crm.write": writes.write, "crm.ticket": writes.ticket}
        if sinks is not None:
            handlers["crm.webhook"] = sinks.handle
        self.db, self.clock = db, clock
        self.worker = OutboxWorker(db, clock, "crm.", handlers, max_attempts=FOREVER, base_delay=2.0, max_delay=300.0,
                                   on_failed=self.failed)

    async def failed(self, row, reason: str) -> None:
        """A row given up for good (a sink refused it, a kind no longer configured):
        say so in the case's thread, so nobody believes the record was written."""
        if row.case_id is None:
            return
        what = "the webhook sink" if row.kind == "crm.webhook" else (self.directory.name if self.directory else "the CRM")
        event = (row.payload or {}).get("event", "interaction")
        async with self.db.transaction() as s:
            enqueue(s, "chat.thread", f"thread:{uuid.uuid4().hex}", self.clock.now(), case_id=row.case_id,
                    payload={"text": f"Writing the {event} to {what} failed and will not be retried: {reason}"})
