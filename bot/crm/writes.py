"""Carries out CRM write-back rows (crm.write, crm.ticket) exactly once: the
row's key is stored on the CRM record, and a row that may have taken effect
(a retry, or one left mid-flight by a crash) looks for it before writing.

A row whose author the CRM does not know (yet) waits, with its key, until
someone links the handle, a backfill matches it, or a later lookup finds
the contact: then the read cache wakes it (bot.crm.waiting) and it is
written like any other, so the record gets every interaction, once."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import aware
from bot.crm import resolve, waiting
from bot.crm.profiles import profile_from_dict
from bot.ports import CustomerDirectory, Interaction
from bot.store import tables as t
from bot.store.db import Database
from bot.types import CrmContact


async def interaction_for(s: AsyncSession, row: t.Outbox) -> tuple[Interaction, t.Author] | None:
    """The interaction a write-back row stands for, read from the case as stored."""
    p = row.payload
    if p["event"] in ("mention", "ticket_open"):
        found = (await s.execute(
            select(t.Mention, t.Author).join(t.Author, t.Mention.author_id == t.Author.id)
            .where(t.Mention.network == p["network"], t.Mention.external_id == p["external_id"]))).one_or_none()
        if found is None:
            return None
        mention, author = found
        text, url, at = mention.text, mention.url, aware(mention.created_at).isoformat()
    else:
        if p.get("author_id") is not None:  # one of an incident's authors
            author = await s.get(t.Author, p["author_id"])
        else:  # the case's author
            author = (await s.execute(
                select(t.Author).join(t.Mention, t.Mention.author_id == t.Author.id).where(t.Mention.case_id == row.case_id)
                .order_by(t.Mention.created_at, t.Mention.id).limit(1))).scalar_one_or_none()
        if author is None:
            return None
        text, url, at = p.get("text") or "", p.get("url"), p["at"]
        if p["event"] == "reply" and row.draft_id is not None:
            text = (await s.get(t.Draft, row.draft_id)).text
    return Interaction(key=row.idempotency_key, event=p["event"], case_id=row.case_id, network=author.network,
                       handle=author.handle, text=text, at=at, url=url, actor=p.get("actor"), route=p.get("route")), author


class CrmWrites:
    def __init__(self, db: Database, directory: CustomerDirectory, fresh: Callable[[t.CrmCache | None], bool]) -> None:
        """`fresh(row)`: whether a cached answer is recent enough to trust (the read cache's TTL)."""
        self.db, self.directory, self.fresh = db, directory, fresh

    async def contact(self, s: AsyncSession, network: str, handle: str) -> CrmContact | None:
        """The cached match when the card already found one (or found, lately,
        that there is none: a burst from strangers costs no second lookup);
        otherwise ask the CRM."""
        cached = await s.get(t.CrmCache, resolve.subject(network, handle))
        if cached is not None and cached.status == "ok" and cached.profile:
            return profile_from_dict(cached.profile).contact
        if cached is not None and cached.status == "no_match" and self.fresh(cached):
            return None
        link = await resolve.linked_email(s, network, handle)
        email = await resolve.known_email(s, network, handle)
        return (await resolve.find(self.directory, network, handle, link, email))[0]

    async def _target(self, row: t.Outbox) -> tuple[Interaction, t.Author, CrmContact] | dict:
        """The row's interaction, author and CRM contact; or, when there is nothing
        to write yet, the row's result: the post is gone, or the author waits for a match."""
        async with self.db.sessions() as s:
            found = await interaction_for(s, row)
            if found is None:
                return {"skipped": "the post is no longer stored"}
            interaction, author = found
            contact = await self.contact(s, author.network, author.handle)
        if contact is None:
            return await waiting.park(self.db, row, author.network, author.handle, self.directory.name)
        return interaction, author, contact

    async def write(self, row: t.Outbox, uncertain: bool) -> dict:
        target = await self._target(row)
        if isinstance(target, dict):
            return target
        interaction, _, contact = target
        if uncertain:  # an earlier attempt may have written it without our hearing back
            existing = await self.directory.find_interaction(row.idempotency_key, contact)
            if existing is not None:
                return {"id": existing, "found": True, "contact": contact.id}
        return {"id": await self.directory.log_interaction(contact, interaction), "contact": contact.id}

    async def ticket(self, row: t.Outbox, uncertain: bool) -> dict:
        """Open a ticket (HubSpot) or Case (Salesforce) for a chosen route; close it on resolution."""
        opened_key = f"crm:ticket:{row.case_id}"
        if row.payload["event"] == "ticket_close":
            ticket_id = await self.directory.find_ticket(opened_key)
            if ticket_id is None:
                return {"skipped": "no ticket was opened for this case"}
            await self.directory.close_ticket(ticket_id)
            return {"closed": ticket_id}
        target = await self._target(row)
        if isinstance(target, dict):
            return target
        interaction, author, contact = target
        if uncertain:
            existing = await self.directory.find_ticket(row.idempotency_key, contact)
            if existing is not None:
                return {"id": existing, "found": True}
        async with self.db.sessions() as s:
            closed = (await s.get(t.Case, row.case_id)).closed_at is not None
        if closed:  # e.g. matched only after the case was resolved: its close has come and gone
            return {"skipped": "the case was closed before the ticket was opened"}
        subject = f"{author.network} @{author.handle}: {interaction.text[:80]}"
        body = f"{interaction.text}\n\n{interaction.url or ''}".strip()
        return {"id": await self.directory.open_ticket(contact, row.idempotency_key, subject, body)}
