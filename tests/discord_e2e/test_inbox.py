"""Discord input goes through the chat inbox: a click, a modal submission, a
slash command or a thread message is written down before Discord hears the
ack, and handled from there. A crash after the ack loses nothing; a
delivery Discord (or the gateway, after a RESUME) sends again is applied once."""
from __future__ import annotations

from bot.store import tables as t
from tests.discord_e2e.world import DANA, SAM, buttons
from tests.emulators.discord_payloads import COMPONENT


def approve_payload(emu, card: dict) -> dict:
    """An Approve click as Discord sends it, kept so it can be sent again."""
    case_id = buttons(card)[0].rsplit(":", 1)[1]
    current = emu.find_message(card["channel_id"], card["id"]) or card
    return emu._interaction(COMPONENT, DANA, card["channel_id"],
                            {"custom_id": f"rejoinder:approve:{case_id}", "component_type": 2}, current)


async def stalled(limit: int = 8) -> int:
    return 0  # the inbox worker never gets to it: the process dies first


async def test_a_click_acknowledged_just_before_a_crash_is_applied_after_the_restart(make_world, emu, sqlite_url):
    world = await make_world(sqlite_url)
    _case_id, card = await world.drafted()
    world.app.inbox.handle_due = stalled
    click = approve_payload(emu, card)
    await emu.dispatch("INTERACTION_CREATE", click)
    token = click["token"]
    assert (await emu.wait_until(lambda: emu.interactions[token]["responded"]))["type"] == 5  # acked
    [row] = await world.rows(t.ChatInbox, t.ChatInbox.platform == "discord", t.ChatInbox.status == "pending")
    assert row.key == f"interaction:{click['id']}" and row.lane == DANA
    await world.stop()  # the crash: acked, never handled
    assert world.published() == []

    again = await make_world(sqlite_url)
    answer = await emu.answered(token, "approved")  # the follow-up reaches Dana after the restart
    assert answer["flags"] & 64
    await again.thread_line(card, "Published on x")
    assert len(again.published()) == 1
    [row] = await again.rows(t.ChatInbox, t.ChatInbox.key == f"interaction:{click['id']}")
    assert row.status == "done" and row.attempts == 1


async def test_an_interaction_delivered_again_after_a_restart_is_applied_once(make_world, emu, sqlite_url):
    world = await make_world(sqlite_url)
    _case_id, card = await world.drafted()
    click = approve_payload(emu, card)
    await emu.dispatch("INTERACTION_CREATE", click)
    await emu.answered(click["token"], "approved")
    await world.thread_line(card, "Published on x")
    await world.stop()

    again = await make_world(sqlite_url)  # a new process: nothing remembered in memory
    callbacks = len(emu.calls_of("interaction.callback", ok=False))
    await emu.dispatch("INTERACTION_CREATE", click)  # the same interaction, sent again
    await again.noted(card, SAM, "checked with the warehouse")  # something after it, to wait on
    assert len(emu.calls_of("interaction.callback", ok=False)) == callbacks  # not acked twice
    assert len(again.published()) == 1
    assert [line for line in again.thread(card) if "approved" in line] == [
        "Dana Approver approved draft v1 (1/1); publishing to x."]
    assert len(await again.rows(t.ChatInbox, t.ChatInbox.key == f"interaction:{click['id']}")) == 1


async def test_a_repeated_approve_by_the_same_person_gets_a_friendly_answer(world, emu):
    case_id, card = await world.drafted()
    # A double click: both reach the inbox while Approve is on the card; one person's inputs run in turn.
    tokens = [await world.click(DANA, card, "approve"), await world.click(DANA, card, "approve")]
    answers = sorted([(await emu.answered(token))["content"] for token in tokens], key=lambda a: "already" in a)
    assert "approved draft v1" in answers[0] and "already" not in answers[0]  # whichever was recorded first
    assert answers[1].startswith(f"You already approved draft v1 of case {case_id}")
    await world.thread_line(card, "Published on x")
    assert len(world.published()) == 1


async def test_a_thread_message_is_kept_in_the_inbox_and_stored_as_a_note_once(world, emu):
    case_id, card = await world.drafted()
    message = await emu.user_message(SAM, card["id"], "customer called, all good")
    await emu.wait_for_call("message.edit", count=2)  # the card redrawn with the note
    await emu.dispatch("MESSAGE_CREATE", message)  # the gateway replays it
    [row] = await world.rows(t.ChatInbox, t.ChatInbox.key == f"message:{message['id']}")
    assert row.kind == "note" and row.status in ("pending", "handling", "done")
    await world.app.inbox.idle()
    notes = await world.rows(t.Note, t.Note.case_id == case_id)
    assert [n.text for n in notes] == ["customer called, all good"]
