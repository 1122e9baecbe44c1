"""A mention's way to a card in a Discord channel, through the real discord.py."""
from __future__ import annotations

import re

from bot.store import tables as t
from tests.discord_e2e.world import SUPPORT, buttons, mention, texts


async def test_a_mention_becomes_a_card_with_a_thread_and_pings_nobody(world, emu):
    evil = "@acme my order is late @everyone <@&400000000000000001> **now** [win](https://evil.example) # HEAD"
    [result] = await world.ingest(mention(1, evil, handle="maria", name="Maria <@300000000000000002>"))
    card = await world.card(result.case_id)
    call = emu.calls_of("message.create")[0]
    assert call.path == f"channels/{SUPPORT}/messages"
    assert call.args["allowed_mentions"] == {"parse": []}  # nothing we post can ping
    assert call.args["enforce_nonce"] is True and call.args["nonce"]
    shown = texts(card)
    assert "@everyone" not in shown and "@\u200beveryone" in shown
    assert not re.search(r"(?<!\\)<@", shown)  # no role or user mention survives unescaped
    assert "\\<@&400000000000000001>" in shown
    assert "\\*\\*now\\*\\*" in shown and "\\[win](" in shown and "https://evil" not in shown
    assert buttons(card) == [f"rejoinder:{a}:{result.case_id}" for a in ("draft", "escalate", "resolve", "assign")]
    # The case's thread hangs off its card.
    thread = await emu.wait_for_call("thread.create")
    assert thread.path == f"channels/{SUPPORT}/messages/{card['id']}/threads"
    await world.handled.wait("chat.post", result.case_id)
    case = await world.case(result.case_id)
    assert case.card_key == f"discord:{SUPPORT}:{card['id']}"
    assert len(await world.rows(t.Outbox, t.Outbox.kind == "chat.post")) == 1
