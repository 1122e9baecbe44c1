"""The gateway connection looks after itself: a dropped connection resumes
the same session (and what happened meanwhile still arrives), a session
Discord invalidates is replaced by a new one, and a button on a card posted
before a restart still works."""
from __future__ import annotations

from bot.store import tables as t
from tests.discord_e2e.world import DANA, LEE, SAM, start_world

RESUME, IDENTIFY = 6, 2


async def test_a_dropped_connection_resumes_and_loses_no_event(world, emu):
    case_id, card = await world.drafted()
    [(_, _, identify)] = [op for op in emu.gateway.ops if op[1] == IDENTIFY]
    assert identify["intents"] == (1 << 0) | (1 << 9) | (1 << 15)  # guilds, guild messages, message content
    await emu.disconnect()
    await world.noted(card, DANA, "Noted while the link was down")  # held by Discord, sent after the resume
    resume = await emu.wait_for_op(RESUME)
    assert resume["session_id"] == emu._current.session_id and resume["seq"] > 0
    await emu.wait_connected(2)
    [note] = await world.rows(t.Note, t.Note.case_id == case_id)
    assert note.text == "Noted while the link was down"
    await world.click(LEE, card, "approve")  # and the live connection carries clicks
    await world.thread_line(card, "Published on x")
    assert len([op for op in emu.gateway.ops if op[1] == IDENTIFY]) == 1  # resumed, not a new session


async def test_an_invalidated_session_identifies_again(world, emu):
    case_id, card = await world.drafted()
    emu.invalidate_next_resume()
    await emu.disconnect()
    await emu.wait_for_op(RESUME)  # the client tries to resume first, and is told the session is gone…
    await emu.wait_for_op(IDENTIFY, count=2, timeout=20)  # …then starts a new session
    await emu.wait_connected(3, timeout=20)
    await world.click(DANA, card, "approve")
    await world.thread_line(card, "Published on x")


async def test_a_button_on_a_card_from_before_a_restart_still_works(make_world, sqlite_url, emu, tmp_path):
    first = await make_world(sqlite_url)
    case_id, card = await first.drafted()
    await first.stop()
    second = await start_world(emu, sqlite_url, tmp_path)  # a new process: a new client, nothing in memory
    try:
        assert second.discord is not first.discord
        await second.click(DANA, card, "approve")
        await second.thread_line(card, "Published on x")
        assert len(second.published()) == 1
        # The thread still belongs to the case: a note there after the restart is stored.
        await second.noted(card, SAM, "Customer thanked us")
        [note] = await second.rows(t.Note, t.Note.case_id == case_id)
        assert note.author == SAM
    finally:
        await second.stop()
