"""Carries out chat side effects from the outbox: post a case's card once,
update it in place, and add lines to its thread."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict

from sqlalchemy import exists, select, update

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
        # Where each case's card is, once posted: a card is posted once and a case never changes
        # team, so this never goes stale, and a thread line needs no read of the database.
        self.posted: OrderedDict[int, tuple[str, dict]] = OrderedDict()
        self.remember = 20_000  # cases, at most (the oldest are forgotten and read again if needed)

    def _posted(self, case_id: int, team: str, card_ref: dict) -> None:
        self.posted[case_id] = (team, card_ref)
        self.posted.move_to_end(case_id)
        if len(self.posted) > self.remember:
            self.posted.popitem(last=False)

    def handlers(self) -> dict:
        return {"chat.post": self.post, "chat.update": self.update, "chat.thread": self.thread}

    def _platform(self, team_name: str) -> tuple[ChatPlatform, str, bool]:
        team = self.ws.team(team_name)
        platform = self.platforms.get(team.platform)
        if platform is None:
            raise PermanentFailure(f"chat platform {team.platform} is not running")
        return platform, team.channel, team.partner

    async def post(self, row: t.Outbox, uncertain: bool) -> dict:
        if row.case_id in self.posted:  # posted already: never twice
            return {"skipped": "card exists"}
        async with self.db.sessions() as s:
            case = await s.get(t.Case, row.case_id)
            if case.card_ref:
                self._posted(case.id, case.team, case.card_ref)
                return {"skipped": "card exists"}
            platform, channel, partner = self._platform(case.team)
            card = await self.cards.build(s, case, redacted=partner)
        # An earlier try may have posted the card without us hearing of it:
        # look before posting, so a lost answer or a crash never doubles it.
        found = await platform.find_card(channel, case.id) if uncertain else None
        ref = found or await platform.post_card(channel, card)
        async with self.db.transaction() as s:  # record at once, so a retry never posts a second card
            await s.execute(update(t.Case).where(t.Case.id == row.case_id)
                            .values(card_ref=asdict(ref), card_key=card_key(ref.platform, ref.channel, ref.message_id))
                            .execution_options(synchronize_session=False))
        self._posted(row.case_id, case.team, asdict(ref))
        return {"message_id": ref.message_id, **({"found": True} if found else {})}

    async def update(self, row: t.Outbox, uncertain: bool) -> dict:
        # The card is drawn from the case as it is now, so a later update
        # row for the same case makes this one redundant: a burst folding
        # into an incident must not cost one rate-limited edit per mention.
        later = exists().where(t.Outbox.kind == "chat.update", t.Outbox.case_id == row.case_id, t.Outbox.id > row.id,
                               t.Outbox.status.in_(("pending", "sending", "uncertain")))
        async with self.db.sessions() as s:
            case, redundant = (await s.execute(select(t.Case, later).where(t.Case.id == row.case_id))).one()
            if not case.card_ref:
                return {"skipped": "no card yet"}
            if redundant:
                return {"skipped": "a later update follows"}
            platform, _channel, partner = self._platform(case.team)
            card = await self.cards.build(s, case, redacted=partner)
        await platform.update_card(MessageRef(**case.card_ref), card)
        return {}

    async def thread(self, row: t.Outbox, uncertain: bool) -> dict:
        if row.case_id not in self.posted:
            async with self.db.sessions() as s:
                team, card_ref = (await s.execute(select(t.Case.team, t.Case.card_ref)
                                                  .where(t.Case.id == row.case_id))).one()
            if not card_ref:
                raise RuntimeError("the case card is not posted yet")  # retried after the card exists
            self._posted(row.case_id, team, card_ref)
        team, card_ref = self.posted[row.case_id]
        platform, _channel, _partner = self._platform(team)
        card = MessageRef(**card_ref)
        # As with cards: an earlier try may have posted the line unheard, so
        # look for it by the row's key (unique, and the same on every retry).
        found = await platform.find_in_thread(card, row.idempotency_key) if uncertain else None
        ref = found or await platform.post_in_thread(card, row.payload["text"], key=row.idempotency_key)
        return {"message_id": ref.message_id, **({"found": True} if found else {})}
