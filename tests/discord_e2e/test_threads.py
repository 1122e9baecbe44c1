"""Talk in a case's thread on Discord: people's messages are internal notes,
never published; a message mentioning the bot is a command on that case."""
from __future__ import annotations

from bot.store import tables as t
from tests.discord_e2e.world import DANA, SAM, SUPPORT


async def test_a_thread_message_is_a_note_and_a_mention_of_the_bot_redrafts(world, emu):
    case_id, card = await world.drafted()
    thread = card["id"]  # a thread started from a message has that message's id
    edits = len(emu.calls_of("message.edit"))
    await emu.user_message(DANA, thread, "Called her, a replacement is on the way @everyone")
    await emu.wait_for_call("message.edit", count=edits + 1)  # the core noted it and refreshed the card
    [note] = await world.rows(t.Note, t.Note.case_id == case_id)
    assert (note.author, note.text, note.kind) == (DANA, "Called her, a replacement is on the way @everyone", "note")
    assert note.chat_ref.startswith(f"discord:{SUPPORT}:")

    await emu.user_message(SAM, thread, f"<@{emu.bot_id}> redraft shorter")
    await world.thread_line(card, "Sam Agent redrafted: v2 (template).")
    v1, v2 = await world.rows(t.Draft, t.Draft.case_id == case_id)
    assert v2.version == 2 and v2.author == SAM and len(v2.text) < len(v1.text)
    await world.update(card, "Draft v2")
    await emu.wait_until(lambda: emu.dms(SAM), what="Sam's answer in a direct message")

    # Neither the note nor the command became a note twice or a public reply.
    assert len(await world.rows(t.Note, t.Note.case_id == case_id)) == 1
    assert world.published() == []
    assert await world.rows(t.Outbox, t.Outbox.kind == "publish.reply") == []
    assert not any("replacement" in line for line in world.thread(card))


async def test_a_message_replayed_after_a_resume_is_one_note(world, emu):
    case_id, card = await world.drafted()
    message = await emu.user_message(DANA, card["id"], "Customer called back")
    await world.handled.wait("chat.update", case_id, count=2)  # draft, then the note
    await emu.dispatch("MESSAGE_CREATE", message)  # the gateway sends it again
    await emu.user_message(DANA, card["id"], "Second note")
    await world.handled.wait("chat.update", case_id, count=3)
    notes = await world.rows(t.Note, t.Note.case_id == case_id)
    assert [n.text for n in notes] == ["Customer called back", "Second note"]


async def test_talk_in_a_thread_that_is_no_cases_is_ignored_and_looked_up_once(world, emu):
    case_id, card = await world.drafted()
    lobby = emu.store_message("500000000000000003", DANA, "lunch?")
    emu.add_thread("500000000000000003", lobby["id"], "lunch")
    await emu.dispatch("THREAD_CREATE", emu.channels[lobby["id"]])
    for text in ("pizza", "sushi", "tacos"):
        await emu.user_message(SAM, lobby["id"], text)
    await world.noted(card, DANA, "a real note")  # handled after the three above
    assert [n.text for n in await world.rows(t.Note)] == ["a real note"]
    assert len([c for c in emu.calls_of("message.get", ok=False) if lobby["id"] in c.path]) == 1
