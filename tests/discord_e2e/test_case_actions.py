"""Assign (the user picker, or `@Rejoinder assign @person` in the thread),
Escalate and Resolve from a Discord card, each said once in the thread by name."""
from __future__ import annotations

from tests.discord_e2e.world import DANA, LEE, SAM, mention, texts


async def test_assign_with_the_picker_and_by_mentioning_the_bot(world, emu):
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    card = await world.card(result.case_id)
    await world.handled.wait("chat.post", result.case_id)
    token = await emu.pick_user(SAM, card, f"rejoinder:assign:{result.case_id}", LEE)
    await emu.answered(token)
    await world.thread_line(card, f"Sam Agent assigned case {result.case_id} to Lee Approver.")
    edited = await world.update(card, f"<@{LEE}>")  # the assignee shows as a mention, which pings nobody
    assert "Assignee" in texts(edited)

    await emu.user_message(DANA, card["id"], f"<@{emu.bot_id}> assign <@{SAM}>")
    await world.thread_line(card, f"Dana Approver assigned case {result.case_id} to Sam Agent.")
    await emu.wait_until(lambda: emu.dms(DANA), what="Dana's answer in a direct message")


async def test_escalate_and_resolve_from_the_buttons(world, emu):
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    card = await world.card(result.case_id)
    await world.handled.wait("chat.post", result.case_id)
    await world.click(DANA, card, "escalate")
    await world.thread_line(card, f"Dana Approver escalated case {result.case_id}")
    await world.update(card, "Stage: escalated")
    await world.click(DANA, card, "resolve")
    await world.thread_line(card, f"Dana Approver resolved case {result.case_id}")
    resolved = await world.update(card, "Stage: resolved")
    assert resolved["components"] == []  # nothing left to do on a resolved case
    assert (await world.case(result.case_id)).stage == "resolved"
