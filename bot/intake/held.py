"""Replies that arrive before their root. With several pipeline processes,
or a dead process's stream entries claimed late, a reply can be stored
before the post that opens its conversation's case. A reply that matches no
route and finds no case is held here, in the transaction that would have
dropped it, and joins the case when its root opens one (in that root's
transaction: both hold the conversation's lock, so one sees the other).
Replies to conversations that never open a case are pruned after a day."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import tables as t
from bot.store.lists import ByDialect
from bot.types import Mention

KEEP = timedelta(days=1)
PRUNE_EVERY = 500  # holds between two prunes
# Taken in one statement, compiled once: this runs for every batch that opens or joins a case.
_TAKE = ByDialect(lambda within: delete(t.HeldReply).where(within(t.HeldReply.conversation_key, "keys"))
                  .returning(t.HeldReply.id, t.HeldReply.mention))


async def hold(s: AsyncSession, replies: list[Mention], now: datetime) -> None:
    if replies:
        await s.execute(insert(t.HeldReply), [
            {"conversation_key": m.conversation_key, "mention": m.model_dump_json(), "held_at": now} for m in replies])


async def take(s: AsyncSession, conversation_keys: set[str]) -> list[Mention]:
    """The replies held for these conversations, removed from the table (once each)."""
    if not conversation_keys:
        return []
    conn = await s.connection()
    rows = (await conn.execute(_TAKE.on(s), {"keys": sorted(conversation_keys)})).all()
    found: dict[str, Mention] = {}
    for _row_id, body in sorted(rows):  # in the order they were held
        mention = Mention.model_validate_json(body)
        found.setdefault(f"{mention.network}:{mention.external_id}", mention)  # held twice: a redelivery
    return list(found.values())


async def prune(s: AsyncSession, now: datetime) -> None:
    await s.execute(delete(t.HeldReply).where(t.HeldReply.held_at < now - KEEP))
