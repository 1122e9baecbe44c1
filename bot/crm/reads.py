"""Customer context from the CRM for cards. Cards read only the cache, so a
slow or failing CRM never holds up the pipeline or a card; an outbox row
(crm.refresh) asks the CRM and then redraws the card. While the CRM is down
the card says so, and the row keeps retrying until it answers."""
from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, aware
from bot.crm import resolve, waiting
from bot.crm.profiles import contact_from_dict, contact_to_dict, profile_from_dict, profile_to_dict, redact
from bot.people.customers import clean_handle
from bot.ports import CrmUnavailable, CustomerDirectory
from bot.publishing.outbox import enqueue
from bot.store import tables as t
from bot.store.db import Database
from bot.types import CrmPanel

log = logging.getLogger(__name__)


async def mention_author(s: AsyncSession, network: str, external_id: str) -> t.Author | None:
    return (await s.execute(
        select(t.Author).join(t.Mention, t.Mention.author_id == t.Author.id)
        .where(t.Mention.network == network, t.Mention.external_id == external_id))).scalar_one_or_none()


class CrmReads:
    def __init__(self, db: Database, clock: Clock, directory: CustomerDirectory, ttl: timedelta,
                 timeout_s: float = 10.0, on_change: Callable[[], None] | None = None) -> None:
        self.db, self.clock, self.directory, self.ttl, self.timeout_s = db, clock, directory, ttl, timeout_s
        self.on_change = on_change or (lambda: None)  # a card update was queued

    async def panel(self, s: AsyncSession, network: str, handle: str, *, redacted: bool) -> CrmPanel:
        row = await s.get(t.CrmCache, resolve.subject(network, handle))
        panel = self._panel(row)
        return redact(panel) if redacted else panel

    def _panel(self, row: t.CrmCache | None) -> CrmPanel:
        system = self.directory.name
        if row is None:
            return CrmPanel(system, "pending")
        profile = profile_from_dict(row.profile) if row.profile else None
        suggestions = tuple(contact_from_dict(c) for c in row.suggestions or ())
        as_of = aware(row.fetched_at)
        return CrmPanel(system, row.status, profile=profile, matched_by=row.matched_by, suggestions=suggestions,
                        error=row.error, as_of=as_of, stale=as_of is not None and self.clock.now() - as_of >= self.ttl)

    def fresh(self, row: t.CrmCache | None) -> bool:
        return (row is not None and row.status in ("ok", "no_match") and row.fetched_at is not None
                and self.clock.now() - aware(row.fetched_at) < self.ttl)

    async def refresh(self, row: t.Outbox, uncertain: bool) -> dict:
        """Outbox handler for crm.refresh: ask the CRM about the author, store
        the answer, redraw the card. Reading twice is harmless, so `uncertain`
        changes nothing here."""
        p = row.payload
        async with self.db.sessions() as s:
            author = await mention_author(s, p["network"], p["external_id"])
            if author is None:
                return {"skipped": "mention not found"}
            if self.fresh(await s.get(t.CrmCache, resolve.subject(author.network, author.handle))) and not p.get("force"):
                return {"skipped": "fresh"}
            texts = (await s.execute(select(t.Mention.text).where(t.Mention.case_id == row.case_id))).scalars().all()
        return await self.update(author, row.case_id, list(texts))

    async def update(self, author, case_id: int | None, texts: list[str]) -> dict:
        """Ask the CRM who `author` is (anything with network, handle and name:
        a stored author, or a customer's handle) and store the answer (or that
        it did not answer: then raise CrmUnavailable, so the caller tries again later)."""
        network, handle, key = author.network, author.handle, resolve.subject(author.network, author.handle)
        async with self.db.sessions() as s:
            link = await resolve.linked_email(s, network, handle)
            email = await resolve.known_email(s, network, handle)
        try:
            found = await asyncio.wait_for(self._ask(network, handle, author.name, link, email, texts), self.timeout_s)
        except (CrmUnavailable, TimeoutError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            await self._store(key, case_id, status="unavailable", error=reason, who=(network, handle))
            raise CrmUnavailable(f"{self.directory.name}: {reason}", getattr(exc, "retry_after", None)) from exc
        contact, how, profile, suggestions = found
        await self._store(key, case_id, status="ok" if contact else "no_match", contact_id=contact.id if contact else None,
                          matched_by=how, profile=profile_to_dict(profile) if profile else None,
                          suggestions=[contact_to_dict(c) for c in suggestions], error=None, fetched=True,
                          who=(network, handle))
        return {"status": "ok" if contact else "no_match", "contact": contact.id if contact else None}

    async def _ask(self, network: str, handle: str, name: str, link: str | None, email: str | None, texts: list[str]):
        contact, how = await resolve.find(self.directory, network, handle, link, email)
        if contact is not None:
            return contact, how, await self.directory.profile(contact), []
        # Likely matches are shown to people; nothing is linked without one of them saying so.
        return None, None, None, await self.directory.suggest(name, resolve.emails_in(texts))

    async def _store(self, key: str, case_id: int | None, *, status: str, who: tuple[str, str], fetched: bool = False,
                     **values) -> None:
        now = self.clock.now()
        async with self.db.transaction() as s:
            row = await s.get(t.CrmCache, key, with_for_update=True)  # see bot.crm.waiting
            changed = row is None or row.status != status or fetched
            if row is None:
                row = t.CrmCache(subject=key, status=status, suggestions=[], tried_at=now)
                s.add(row)
            row.status, row.tried_at = status, now
            if fetched:
                row.fetched_at = now
            for name, value in values.items():
                setattr(row, name, value)
            if changed and case_id is not None:
                enqueue(s, "chat.update", f"update:{uuid.uuid4().hex}", now, case_id=case_id)
            if status == "ok":  # the author's interactions kept while they were unknown are written now
                await waiting.wake(s, *who, now)
        if changed:
            self.on_change()

    async def known(self, s: AsyncSession, query: str, customer_id: int | None) -> list[CrmPanel]:
        """What the cache knows for a `lookup`: the handle asked about (on any
        network, or `network:handle`), and the built-in customer's handles."""
        q = query.strip()
        subjects: list[str] = []
        if customer_id is not None:
            rows = await s.execute(select(t.Identity.network, t.Identity.handle).where(t.Identity.customer_id == customer_id))
            subjects += [resolve.subject(n, h) for n, h in rows]
        if not ("@" in q[1:] and not q.startswith("@")):  # not an email
            network, _, handle = q.rpartition(":") if ":" in q else ("", "", q)
            wanted = clean_handle(handle)
            rows = await s.execute(select(t.CrmCache.subject).where(t.CrmCache.subject.like(f"%:{wanted}")))
            subjects += [x for x in rows.scalars() if not network or x.startswith(f"{network}:")]
        panels, seen = [], set()
        for key in dict.fromkeys(subjects):
            row = await s.get(t.CrmCache, key)
            if row is not None and row.status == "ok" and row.contact_id not in seen:
                seen.add(row.contact_id)
                panels.append(self._panel(row))
        return panels

    async def forget(self, s: AsyncSession, network: str, handle: str) -> None:
        """After a link or unlink: the next refresh asks the CRM again."""
        row = await s.get(t.CrmCache, resolve.subject(network, handle))
        if row is not None:
            row.fetched_at = None
