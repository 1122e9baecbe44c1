"""Carries out chat side effects from the outbox: post a case's card once,
update it in place, and add lines to its thread."""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from bot.chat.cards import CardBuilder
from bot.config.workspace import Workspace
from bot.publishing.outbox import PermanentFailure
from bot.ports import ChatPlatform
from bot.store import tables as t
from bot.store.db import Database
from bot.types import MessageRef


def card_key(platform: str, channel: str, message_id: str) -> str:
    return f"{platform}:{channel}:{message_id}"


class ChatEffects:
    def __init__(self, db: Database, ws: Workspace, platforms: dict[str, ChatPlatform], cards: CardBuilder) -> None:
        self.db, self.ws, self.platforms, self.cards = db, ws, platforms, cards

    def handlers(self) -> dict:
        return {"chat.post": self.post, "chat.update": self.update, "chat.thread": self.thread}

    def _platform(self, team_name: str) -> tuple[ChatPlatform, str, bool]:
        team = self.ws.team(team_name)
        platform = self.platforms.get(team.platform)
        if platform is None:
            raise PermanentFailure(f"chat platform {team.platform} is not running")
        return platform, team.channel, team.partner

    async def post(self, row: t.Outbox, uncertain: bool) -> dict:
        async with self.db.sessions() as s:
            case = await s.get(t.Case, row.case_id)
            if case.card_ref:  # posted already: never twice
                return {"skipped": "card exists"}
            platform, channel, partner = self._platform(case.team)
            card = await self.cards.build(s, case, redacted=partner)
        # An earlier try may have posted the card without us hearing of it:
        # look before posting, so a lost answer or a crash never doubles it.
        found = await platform.find_card(channel, case.id) if uncertain else None
        ref = found or await platform.post_card(channel, card)
        async with self.db.transaction() as s:
            case = await s.get(t.Case, row.case_id)
            case.card_ref = asdict(ref)  # record at once, so a retry never posts a second card
            case.card_key = card_key(ref.platform, ref.channel, ref.message_id)
        return {"message_id": ref.message_id, **({"found": True} if found else {})}

    async def update(self, row: t.Outbox, uncertain: bool) -> dict:
        async with self.db.sessions() as s:
            case = await s.get(t.Case, row.case_id)
            if not case.card_ref:
                return {"skipped": "no card yet"}
            # The card is drawn from the case as it is now, so a later update
            # row for the same case makes this one redundant: a burst folding
            # into an incident must not cost one rate-limited edit per mention.
            later = (await s.execute(
                select(t.Outbox.id).where(t.Outbox.kind == "chat.update", t.Outbox.case_id == case.id, t.Outbox.id > row.id,
                                          t.Outbox.status.in_(("pending", "sending", "uncertain"))).limit(1)
            )).scalar_one_or_none()
            if later is not None:
                return {"skipped": "a later update follows"}
            platform, _channel, partner = self._platform(case.team)
            card = await self.cards.build(s, case, redacted=partner)
        await platform.update_card(MessageRef(**case.card_ref), card)
        return {}

    async def thread(self, row: t.Outbox, uncertain: bool) -> dict:
        async with self.db.sessions() as s:
            case = await s.get(t.Case, row.case_id)
        if not case.card_ref:
            raise RuntimeError("the case card is not posted yet")  # retried after the card exists
        platform, _channel, _partner = self._platform(case.team)
        card = MessageRef(**case.card_ref)
        # As with cards: an earlier try may have posted the line unheard, so
        # look for it by the row's key (unique, and the same on every retry).
        found = await platform.find_in_thread(card, row.idempotency_key) if uncertain else None
        ref = found or await platform.post_in_thread(card, row.payload["text"], key=row.idempotency_key)
        return {"message_id": ref.message_id, **({"found": True} if found else {})}
