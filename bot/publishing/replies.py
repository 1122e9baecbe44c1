"""Carries out approved replies (outbox kind publish.reply) through the
source network's Publisher, exactly once."""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import select

from bot.cases.lifecycle import SYSTEM, CaseService
from bot.clock import Clock, aware
from bot.people.customers import CustomerDirectory
from bot.publishing.outbox import PermanentFailure
from bot.ports import Publisher
from bot.store import tables as t
from bot.store.db import Database
from bot.types import Author, Mention

log = logging.getLogger(__name__)


def mention_from_rows(m: t.Mention, a: t.Author) -> Mention:
    conversation = m.conversation_key.split(":", 1)[1]
    return Mention(
        network=m.network, external_id=m.external_id, text=m.text, url=m.url, created_at=aware(m.created_at),
        author=Author(handle=a.handle, name=a.name, followers=a.followers, url=a.url),
        conversation_id=conversation, in_reply_to=m.in_reply_to, lang=m.language, reply_ref=m.reply_ref or {},
    )


class ReplyPublishing:
    def __init__(self, db: Database, clock: Clock, publishers: dict[str, Publisher], cases: CaseService,
                 directory: CustomerDirectory, on_change: Callable[[], None] | None = None) -> None:
        self.db, self.clock, self.publishers = db, clock, publishers
        self.cases, self.directory = cases, directory
        self.on_change = on_change or (lambda: None)  # told once a publication is recorded

    def publisher_for(self, network: str) -> Publisher:
        publisher = self.publishers.get(network) or self.publishers.get("*")
        if publisher is None:
            raise PermanentFailure(f"no publisher is configured for {network}")
        return publisher

    async def handle(self, row: t.Outbox, uncertain: bool) -> dict:
        async with self.db.sessions() as s:
            case = await s.get(t.Case, row.case_id)
            draft = await s.get(t.Draft, row.draft_id)
            pairs = (await s.execute(
                select(t.Mention, t.Author).join(t.Author, t.Mention.author_id == t.Author.id)
                .where(t.Mention.case_id == case.id, t.Mention.deleted.is_(False))
                .order_by(t.Mention.created_at, t.Mention.id)
            )).all()
        if not pairs:
            raise PermanentFailure("every post in this conversation was deleted; nothing to reply to")
        # An incident answers its first post; a conversation answers the latest customer post.
        target = mention_from_rows(*(pairs[0] if case.is_incident else pairs[-1]))
        publisher = self.publisher_for(case.network)
        posted = await publisher.find_reply(target, row.idempotency_key) if uncertain else None
        if posted is None:
            try:
                posted = await publisher.reply(target, draft.text, row.idempotency_key)
            except ValueError as exc:  # the network can never take this text (too long, say): retrying won't help
                raise PermanentFailure(str(exc)) from exc
        await self._record(row, posted.external_id, posted.url, target)
        self.on_change()
        return {"external_id": posted.external_id, "url": posted.url}

    async def failed(self, row: t.Outbox, reason: str) -> None:
        """The reply was given up: say so in the case's thread, so it is not left
        looking approved and on its way."""
        async with self.db.transaction() as s:
            case = await s.get(t.Case, row.case_id)
            if case is None:
                return
            line = (f"Publishing on {case.network} failed: {reason}. The reply was not posted: edit it and approve "
                    "it again, or answer by hand and resolve the case.")
            await self.cases.event(s, case, SYSTEM, "publish_failed", line, draft=row.draft_id, reason=reason)
        self.on_change()

    async def _record(self, row: t.Outbox, external_id: str, url: str | None, target: Mention) -> None:
        now = self.clock.now()
        async with self.db.transaction() as s:
            case = await s.get(t.Case, row.case_id)
            if case.first_response_at is None:
                case.first_response_at = now
            published = self.cases.rules[case.team].target("publish")
            if case.stage != published:  # a recovered row may have recorded this already
                line = f"Published on {case.network}: {url or external_id}"
                await self.cases.move(s, case, "publish", SYSTEM, None, line, reply=external_id, url=url)
                if case.customer_id:
                    draft = await s.get(t.Draft, row.draft_id)
                    await self.directory.log(s, case.customer_id, "reply", f"to @{target.author.handle}: {draft.text}",
                                             now, case=case, network=case.network)
