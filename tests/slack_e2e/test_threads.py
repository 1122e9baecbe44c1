"""Talk in a card's thread: people's messages are internal notes, never
published; a message addressed to the bot is a command on that case."""
from __future__ import annotations

from bot.store import tables as t
from tests.slack_e2e.world import DANA, SAM, SUPPORT


async def test_a_thread_message_is_a_note_and_a_mention_of_the_bot_redrafts(world, emu):
    case_id, card = await world.drafted()
    updates = len(emu.calls_of("chat.update"))
    event = await world.say(DANA, card, "Called her, a replacement is on the way")
    await emu.wait_for_ack(event)
    await emu.wait_for_call("chat.update", count=updates + 1)  # the core noted it and refreshed the card
    [note] = await world.rows(t.Note, t.Note.case_id == case_id)
    assert (note.author, note.text, note.kind) == (DANA, "Called her, a replacement is on the way", "note")
    assert note.chat_ref.startswith(f"slack:{SUPPORT}:")

    await world.say(SAM, card, f"<@{emu.bot_user_id}> redraft shorter")
    await world.thread_line(card, "Sam Agent redrafted: v2 (template).")
    v1, v2 = await world.rows(t.Draft, t.Draft.case_id == case_id)
    assert v2.version == 2 and v2.author == SAM and len(v2.text) < len(v1.text)
    await world.update(card, "Draft v2")

    # Neither the note nor the command became a note twice or a public reply.
    assert len(await world.rows(t.Note, t.Note.case_id == case_id)) == 1
    assert world.published() == []
    assert await world.rows(t.Outbox, t.Outbox.kind == "publish.reply") == []
    assert not any("replacement" in line for line in world.thread(card))
