"""Chat input is recorded before Slack hears the ack, and handled from the
inbox: a click acked just before the app stops is applied after the restart;
a redelivered or double click is applied once, with a friendly answer."""
from __future__ import annotations

import asyncio

from bot.store import tables as t
from tests.slack_e2e.world import DANA, SAM, start_world


def inbox_task(world) -> asyncio.Task:
    return next(task for task in asyncio.all_tasks() if task.get_name() == "chat-inbox" and not task.done())


async def test_a_click_acked_before_a_stop_is_applied_after_the_restart(database_url, make_world, emu, tmp_path):
    world = await make_world(database_url)  # on SQLite and on PostgreSQL
    case_id, card = await world.drafted()
    # The app stops taking inbox work, as if it died right after answering Slack.
    worker = inbox_task(world)
    worker.cancel()
    await asyncio.wait({worker})

    acked = await emu.wait_for_ack(await world.click(DANA, card, "approve"))
    assert acked["envelope_id"]
    # The ack came after the click was written down, and nothing has handled it.
    [row] = await world.rows(t.ChatInbox, t.ChatInbox.kind == "action", t.ChatInbox.lane == DANA)
    assert row.status == "pending" and row.payload["actions"][0]["action_id"] == "rejoinder:approve"
    assert "token" not in row.payload  # Slack's legacy verification token is not kept
    await world.stop()
    assert world.published() == [] and (await world.case(case_id)).stage == "awaiting_approval"

    again = await start_world(emu, database_url, tmp_path)
    try:
        await again.thread_line(card, "Published on x")
        assert [p["in_reply_to"] for p in again.published()] == ["1"]
        [row] = await again.rows(t.ChatInbox, t.ChatInbox.lane == DANA)
        assert row.status == "done" and row.handled_at is not None
        assert (await again.case(case_id)).stage == "published"
    finally:
        await again.stop()


async def test_a_redelivered_click_is_one_inbox_row_and_one_approval(world, emu):
    case_id, card = await world.drafted()
    payload = emu.block_action(DANA, card.response["channel"], card.response["ts"], "rejoinder:approve",
                               value=str(case_id), block_id=f"case:{case_id}")
    first = await emu.push("interactive", payload)
    again = await emu.push("interactive", payload, retry_attempt=1)  # the same trigger id
    await emu.wait_for_ack(first)
    await emu.wait_for_ack(again)  # still acked, or Slack keeps retrying
    await world.thread_line(card, "Published on x")
    assert len(await world.rows(t.ChatInbox, t.ChatInbox.lane == DANA)) == 1
    assert len(await world.rows(t.Approval, t.Approval.case_id == case_id)) == 1
    assert len(world.published()) == 1


async def test_a_double_click_is_applied_once_with_a_friendly_answer(database_url, make_world, emu):
    world = await make_world(database_url)
    case_id, card = await world.drafted()
    await asyncio.gather(world.click(DANA, card, "approve"), world.click(DANA, card, "approve"))
    await world.thread_line(card, "Published on x")
    told = await world.told(DANA, "You already approved draft v1")
    assert "failed on our side" not in told.args["text"]
    assert not [c for c in emu.calls_of("chat.postEphemeral") if "failed" in c.args.get("text", "")]
    assert len(await world.rows(t.Approval, t.Approval.case_id == case_id)) == 1
    assert len(world.published()) == 1
    assert await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused") == []
    rows = await world.rows(t.ChatInbox, t.ChatInbox.lane == DANA)
    assert [r.status for r in rows] == ["done", "done"]


async def test_a_thread_note_and_a_slash_command_go_through_the_inbox(world, emu):
    case_id, card = await world.drafted()
    settled = world.app.inbox.settled
    await emu.wait_for_ack(await world.say(SAM, card, "customer called, see ticket 88"))
    await world.app.inbox.wait_settled(settled + 1)
    notes = await world.rows(t.Note, t.Note.case_id == case_id)
    assert [n.text for n in notes] == ["customer called, see ticket 88"]
    envelope = await emu.push("slash_commands", emu.slash_command(SAM, card.response["channel"], f"case {case_id}"))
    await emu.wait_for_ack(envelope)
    answer = await emu.wait_for_response(10)
    assert f"#{case_id}" in answer["text"] or str(case_id) in answer["text"]
    kinds = sorted(r.kind for r in await world.rows(t.ChatInbox, t.ChatInbox.lane == SAM))
    assert kinds.count("message") == 1 and kinds.count("slash") == 1

