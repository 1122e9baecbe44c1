"""Clicks, modals, thread notes, mentions, /rejoinder and the App Home, through
the real Socket Mode handler against the local Slack."""
from __future__ import annotations

import asyncio

from bot.types import ChatUser
from tests.emulators.slack_checks import block_errors
from tests.slack.conftest import AGENT, BOSS, CARE, PARTNER, PARTNER_TEAM, SHARED, make_card


async def test_a_card_is_posted_with_valid_blocks_and_a_text_fallback(emu, posted):
    card, ref = posted
    call = await emu.wait_for_call("chat.postMessage")
    assert call.response["ok"], call.response
    assert block_errors(call.args["blocks"]) == []
    assert len(call.args["blocks"]) <= 50
    assert f"Case #{card.case_id}" in call.args["text"]
    assert (ref.platform, ref.channel, ref.message_id) == ("slack", CARE, call.response["ts"])
    assert call.args["metadata"]["event_payload"] == {"case_id": card.case_id}


async def test_update_card_edits_the_same_message(emu, slack, posted):
    card, ref = posted
    card.stage = "approved"
    await slack.update_card(ref, card)
    call = await emu.wait_for_call("chat.update")
    assert call.response["ok"], call.response
    assert (call.args["channel"], call.args["ts"]) == (ref.channel, ref.message_id)
    assert "approved" in str(call.args["blocks"])
    assert len(emu.messages[CARE]) == 1


async def test_approve_is_acked_before_the_core_answers_and_reaches_it_once(emu, slack, core, posted):
    card, ref = posted
    core.gate = asyncio.Event()  # the core is slow: the ack must not wait for it
    envelope = await emu.push("interactive", emu.block_action(BOSS, CARE, ref.message_id, "rejoinder:approve", "7"))
    await emu.wait_for_ack(envelope)
    command = await core.wait_for_command("approve")
    assert not emu.calls_of("chat.postMessage")[1:], "nothing is posted before the core answers"
    core.gate.set()
    reply = await emu.wait_for_call("chat.postMessage", predicate=lambda c: c.args.get("thread_ts") == ref.message_id)
    assert reply.args["text"] == "Approved by Bea Boss."
    assert command.user == ChatUser(BOSS, "Bea Boss", platform="slack", team_id=emu.team_id)
    assert (command.case_id, command.channel, command.args) == (7, CARE, "")
    assert command.ref.message_id == ref.message_id
    assert [c.name for c in core.commands] == ["approve"]


async def test_a_partner_click_carries_their_team_and_the_core_refuses_the_approval(emu, slack, core):
    card = make_card(case_id=8)
    core.cards[8] = card
    ref = await slack.post_card(SHARED, card)
    await emu.push("interactive", emu.block_action(PARTNER, SHARED, ref.message_id, "rejoinder:approve", "8"))
    told = await emu.wait_for_call("chat.postEphemeral")
    command = core.commands[0]
    assert command.user.team_id == PARTNER_TEAM != emu.team_id
    assert told.args["user"] == PARTNER and told.args["channel"] == SHARED
    assert "cannot approve" in told.args["text"]
    assert not [c for c in emu.calls_of("chat.postMessage") if c.args.get("thread_ts")], "no public reply"


async def test_edit_opens_a_modal_with_the_draft_and_findings_and_the_submission_becomes_edit(emu, slack, core, posted):
    card, ref = posted
    await emu.push("interactive", emu.block_action(AGENT, CARE, ref.message_id, "rejoinder:edit", "7"))
    opened = await emu.wait_for_call("views.open")  # at once, while the trigger id is fresh
    assert opened.response["ok"], opened.response
    updated = await emu.wait_for_call("views.update")
    assert updated.response["ok"], updated.response
    assert updated.args["view_id"] == opened.response["view"]["id"]
    view = updated.response["view"]
    text_input = next(b for b in view["blocks"] if b["type"] == "input")["element"]
    assert text_input["initial_value"] == card.draft.text
    assert "BLOCKED" in str(view["blocks"]) and "Promises a refund" in str(view["blocks"])
    await emu.push("interactive", emu.view_submission(AGENT, view, "Hi Maria, we're on it."))
    command = await core.wait_for_command("edit")
    assert (command.args, command.case_id, command.channel) == ("Hi Maria, we're on it.", 7, CARE)
    assert command.user.name == "Ana Agent"
    assert command.ref.message_id == ref.message_id


async def test_reject_asks_for_a_reason_in_a_modal(emu, slack, core, posted):
    card, ref = posted
    await emu.push("interactive", emu.block_action(BOSS, CARE, ref.message_id, "rejoinder:reject", "7"))
    opened = await emu.wait_for_call("views.open")
    assert opened.response["ok"], opened.response
    await emu.push("interactive", emu.view_submission(BOSS, opened.response["view"], "Too formal for this customer"))
    command = await core.wait_for_command("reject")
    assert (command.args, command.case_id) == ("Too formal for this customer", 7)
    reply = await emu.wait_for_call("chat.postMessage", predicate=lambda c: c.args.get("thread_ts") == ref.message_id)
    assert reply.args["text"] == "reject: Too formal for this customer"


async def test_edit_without_a_draft_says_so_in_the_modal(emu, slack, core):
    card = make_card(case_id=5, draft=None)
    core.cards[5] = card
    ref = await slack.post_card(CARE, card)
    await emu.push("interactive", emu.block_action(AGENT, CARE, ref.message_id, "rejoinder:edit", "5"))
    updated = await emu.wait_for_call("views.update")
    assert "has no draft" in str(updated.args["view"])


async def test_an_empty_modal_submission_is_refused_in_the_modal(emu, slack, core, posted):
    card, ref = posted
    await emu.push("interactive", emu.block_action(BOSS, CARE, ref.message_id, "rejoinder:reject", "7"))
    opened = await emu.wait_for_call("views.open")
    envelope = await emu.push("interactive", emu.view_submission(BOSS, opened.response["view"], "   "))
    ack = await emu.wait_for_ack(envelope)
    assert ack["payload"]["response_action"] == "errors"
    assert core.commands == []


async def test_assigning_from_the_user_picker(emu, slack, core, posted):
    card, ref = posted
    await emu.push("interactive", emu.block_action(BOSS, CARE, ref.message_id, "rejoinder:assign",
                                                   block_id="case:7", selected_user=AGENT))
    command = await core.wait_for_command("assign")
    assert (command.args, command.case_id) == (AGENT, 7)
    # The person picked, by name, so the core's thread line can name them without asking Slack.
    assert [(p.id, p.name) for p in command.people] == [(AGENT, "Ana Agent")]


async def test_a_thread_message_is_a_note_never_a_command(emu, slack, core, posted):
    card, ref = posted
    # Noise first: a bot's message, an edit and a message outside any card.
    await emu.push("events_api", emu.event_body({**emu.user_message(AGENT, CARE, "bot says", ref.message_id), "bot_id": "B9"}))
    await emu.push("events_api", emu.event_body({"type": "message", "subtype": "message_changed", "channel": CARE,
                                                 "ts": emu.next_ts(), "message": {"text": "edited"}}))
    await emu.push("events_api", emu.event_body(emu.user_message(AGENT, CARE, "lunch?")))
    await emu.push("events_api", emu.event_body(emu.user_message(AGENT, CARE, "Called her, refund approved by finance",
                                                                  thread_ts=ref.message_id)))
    await core.wait_for(lambda: core.notes, what="thread note")
    note_ref, user, text = core.notes[0]
    assert text == "Called her, refund approved by finance"
    assert note_ref.thread_id == ref.message_id and note_ref.channel == CARE
    assert user == ChatUser(AGENT, "Ana Agent", platform="slack", team_id=emu.team_id)
    assert len(core.notes) == 1 and core.commands == []


async def test_a_partner_note_carries_the_partner_team(emu, slack, core):
    card = make_card(case_id=9)
    ref = await slack.post_card(SHARED, card)
    await emu.push("events_api", emu.event_body(emu.user_message(PARTNER, SHARED, "We can ship a replacement",
                                                                  thread_ts=ref.message_id)))
    await core.wait_for(lambda: core.notes, what="partner note")
    assert core.notes[0][1].team_id == PARTNER_TEAM


async def test_mentioning_the_bot_in_a_thread_is_one_command(emu, slack, core, posted):
    card, ref = posted
    event = emu.user_message(BOSS, CARE, f"<@{emu.bot_user_id}> redraft shorter and warmer", thread_ts=ref.message_id)
    # Slack sends both a message and an app_mention for the same post.
    await emu.push("events_api", emu.event_body(event))
    await emu.push("events_api", emu.event_body({**event, "type": "app_mention"}))
    command = await core.wait_for_command("redraft")
    assert (command.args, command.case_id, command.channel) == ("shorter and warmer", 7, CARE)
    assert command.ref.message_id == ref.message_id
    reply = await emu.wait_for_call("chat.postMessage", predicate=lambda c: c.args.get("thread_ts") == ref.message_id)
    assert reply.args["text"] == "redraft: shorter and warmer"
    # A later note proves both deliveries were processed by then.
    await emu.push("events_api", emu.event_body(emu.user_message(AGENT, CARE, "ok", thread_ts=ref.message_id)))
    await core.wait_for(lambda: core.notes, what="note")
    assert [c.name for c in core.commands] == ["redraft"]


async def test_assign_by_mentioning_the_bot_names_the_person_by_their_user_id(emu, slack, core, posted):
    card, ref = posted
    text = f"<@{emu.bot_user_id}> assign <@{AGENT}|ana>"  # what Slack sends for "@Rejoinder assign @ana"
    await emu.push("events_api", emu.event_body(emu.user_message(BOSS, CARE, text, thread_ts=ref.message_id)))
    command = await core.wait_for_command("assign")
    assert (command.args, command.case_id, command.user.name) == (AGENT, 7, "Bea Boss")


async def test_the_case_of_a_thread_is_found_after_a_restart(emu, core, posted):
    card, ref = posted
    from tests.slack.conftest import started
    fresh = await started(emu, core)  # knows nothing of the card posted before
    try:
        await emu.wait_for_link(2)
        await emu.push("events_api", emu.event_body(emu.user_message(AGENT, CARE, "still waiting", thread_ts=ref.message_id)))
        await core.wait_for(lambda: core.notes, what="note after restart")
        assert emu.calls_of("conversations.replies")
    finally:
        await fresh.stop()


async def test_slash_lookup_is_answered_privately_through_the_response_url(emu, slack, core):
    envelope = await emu.push("slash_commands", emu.slash_command(AGENT, CARE, "lookup @maria"))
    await emu.wait_for_ack(envelope)
    answer = await emu.wait_for_response()
    command = core.commands[0]
    assert (command.name, command.args, command.channel) == ("lookup", "@maria", CARE)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "Customer for @maria: Maria Lopez (gold)"


async def test_slash_stats_can_answer_in_the_channel(emu, slack, core):
    await emu.push("slash_commands", emu.slash_command(AGENT, CARE, "stats"))
    answer = await emu.wait_for_response()
    assert answer["response_type"] == "in_channel"
    await emu.push("slash_commands", emu.slash_command(AGENT, CARE, "case 12"))
    command = await core.wait_for_command("case")
    assert command.case_id == 12
    await emu.push("slash_commands", emu.slash_command(AGENT, CARE, "lookup <mailto:maria@example.com|maria@example.com>"))
    await core.wait_for(lambda: len(core.commands) == 3, what="third command")
    assert core.commands[2].args == "maria@example.com"


async def test_a_failing_command_still_gets_an_answer(emu, slack, core):
    await emu.push("slash_commands", emu.slash_command(AGENT, CARE, "explode now"))
    answer = await emu.wait_for_response()
    assert answer["response_type"] == "ephemeral" and "failed on our side" in answer["text"]


async def test_app_home_is_published_when_opened(emu, slack):
    await emu.push("events_api", emu.event_body({"type": "app_home_opened", "user": BOSS, "channel": "D0BOSS",
                                                 "tab": "home", "event_ts": emu.next_ts()}))
    call = await emu.wait_for_call("views.publish")
    assert call.response["ok"], call.response
    assert call.args["user_id"] == BOSS
    text = str(call.args["view"]["blocks"])
    assert "Awaiting my approval" in text and "My order never arrived" in text and "care: 12" in text
