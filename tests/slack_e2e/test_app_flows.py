"""The running App behind the Slack platform, for what the other Slack tests
leave to a stand-in core: bursts folding into one incident card, assigning
by mentioning the bot, Escalate, partners' notes and suggestions, and the
`/rejoinder` commands `case` and `watch`."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.store import tables as t
from tests.slack_e2e.world import (
    ALEX, DANA, DEALER, PAT, SAM, SUPPORT, WORKSPACE, case_of, mention, texts,
)

BURSTY = WORKSPACE.replace("threshold: 25", "threshold: 3")


@pytest.fixture
async def world(make_world, sqlite_url):
    return await make_world(sqlite_url, workspace=BURSTY)


def answer_to(text: str):
    return lambda r: text in r.get("text", "")


async def test_a_burst_on_one_route_becomes_one_incident_card_that_counts_and_samples(world, emu):
    burst = [mention(n, f"@acme outage: checkout broken again #{n}", handle=f"buyer{n}") for n in range(1, 13)]
    results = await world.ingest(*burst)
    incident_id = results[2].case_id  # the third case within the window opens the incident
    incident = await world.card(incident_id)
    await world.handled.wait("chat.post", incident_id)
    cards = [c for c in emu.calls_of("chat.postMessage") if c.status == 200 and case_of(c) is not None]
    assert [case_of(c) for c in cards] == [r.case_id for r in results[:3]]  # not twelve cards
    assert len([m for m in emu.messages[SUPPORT] if "thread_ts" not in m]) == 3
    shown = texts(incident)
    # All twelve count: ten in the incident, one in each case folded into it, and those are listed.
    assert "Incident:* 12 similar mentions" in shown and "@buyer12: @acme outage" in shown
    first, second = (r.case_id for r in results[:2])
    assert f"Folded here: #{first}, #{second}" in shown
    # The two cases opened before the burst was recognised point at the incident.
    for early in results[:2]:
        card = await world.card(early.case_id)
        line = await world.thread_line(card, f"Folded into incident #{incident_id}.")
        assert line.response["ok"]
        assert f"Folded into incident #{incident_id}." in texts(card)  # drawn as committed, with the fold
    folded = await world.rows(t.Case, t.Case.incident_of == incident_id)
    assert [c.id for c in folded] == [first, second]
    in_incident = await world.rows(t.Mention, t.Mention.case_id == incident_id)
    assert len(in_incident) == 10 and len(await world.rows(t.Mention)) == 12  # none lost


async def test_assign_by_mentioning_the_bot_and_escalate_from_the_card(world, emu):
    case_id, card = await world.drafted()
    await world.say(DANA, card, f"<@{emu.bot_user_id}> assign <@{SAM}>")
    line = await world.thread_line(card, f"Dana Approver assigned case {case_id}")
    assert line.args["text"] == f"Dana Approver assigned case {case_id} to Sam Agent."  # the person, not U0SAM
    assert (await world.case(case_id)).assignee == SAM
    await world.update(card, f"<@{SAM}>")  # shown as the person, in the reader's Slack
    await emu.push("events_api", emu.event_body({"type": "app_home_opened", "user": SAM, "tab": "home",
                                                 "event_ts": emu.next_ts()}))
    home = await emu.wait_for_call("views.publish", predicate=lambda c: c.args["user_id"] == SAM)
    mine = next(b["text"]["text"] for b in home.args["view"]["blocks"] if "Assigned to me" in str(b))
    assert mine.startswith("*Assigned to me* (1)") and f"*#{case_id}*" in mine

    await world.click(SAM, card, "escalate")
    await world.thread_line(card, f"Sam Agent escalated case {case_id}")
    await world.update(card, "*Stage:* escalated")
    assert (await world.case(case_id)).stage == "escalated"
    assert world.published() == []


async def test_a_partner_notes_and_suggests_in_their_channel_but_is_never_published(world, emu):
    [shared] = await world.ingest(mention(5, "the corner bikes shop says my frame is cracked"))
    card = await world.card(shared.case_id)
    assert card.args["channel"] == DEALER
    await world.handled.wait("chat.post", shared.case_id)

    await world.say(PAT, card, "We can swap the frame on Friday")
    await world.say(PAT, card, f"<@{emu.bot_user_id}> suggest Hi! Bring it by on Friday and we'll swap the frame.")
    await world.thread_line(card, "Pat Partner suggested a reply: v1 (suggestion)")
    await world.app.inbox.wait_settled(2)  # the line can show before the note's input is finished
    [note] = await world.rows(t.Note, t.Note.case_id == shared.case_id)
    assert (note.author, note.text) == (PAT, "We can swap the frame on Friday")
    [draft] = await world.rows(t.Draft, t.Draft.case_id == shared.case_id)
    assert (draft.author, draft.source) == (PAT, "suggestion")
    await world.update(card, "Draft v1")

    await world.click(PAT, card, "approve")
    await world.told(PAT, "needs the role admin or approver")
    assert world.published() == []


async def test_slash_case_and_watch_are_checked_in_the_core(world, emu):
    [internal] = await world.ingest(mention(1, "@acme my order is late"))
    await emu.push("slash_commands", emu.slash_command(SAM, SUPPORT, f"case {internal.case_id}"))
    shown = await emu.wait_for_response(predicate=answer_to(f"#{internal.case_id} [support]"))
    assert shown["response_type"] == "ephemeral" and "my order is late" in shown["text"]
    await emu.push("slash_commands", emu.slash_command(PAT, DEALER, f"case {internal.case_id}"))
    hidden = await emu.wait_for_response(predicate=answer_to("not shared with your channel"))
    assert hidden["response_type"] == "ephemeral" and "order is late" not in hidden["text"]

    await emu.push("slash_commands", emu.slash_command(SAM, SUPPORT, "watch add recall"))
    await emu.wait_for_response(predicate=answer_to("Changing watched terms needs the admin role."))
    await emu.push("slash_commands", emu.slash_command(ALEX, SUPPORT, "watch add recall"))
    await emu.wait_for_response(predicate=answer_to("Now watching 'recall'."))
    await emu.push("slash_commands", emu.slash_command(SAM, SUPPORT, "watch list"))
    listed = await emu.wait_for_response(predicate=answer_to("Watched terms: recall"))
    assert listed["response_type"] == "ephemeral"
    await emu.push("slash_commands", emu.slash_command(ALEX, SUPPORT, "watch remove recall"))
    await emu.wait_for_response(predicate=answer_to("No longer watching 'recall'."))
    async with world.app.db.sessions() as s:
        assert (await s.execute(select(t.Watch))).scalars().all() == []
    refused = await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused")
    assert [(e.case_id, e.actor, e.detail["action"]) for e in refused] == [(internal.case_id, PAT, "case")]


async def test_a_card_whose_answer_was_lost_is_retried_from_the_outbox_and_posted_once(world, emu):
    emu.drop_response_next("chat.postMessage")  # posted in Slack, but the app never hears the ts
    [result] = await world.ingest(mention(1, "@acme my order is late"))
    await world.handled.wait("chat.post", result.case_id, timeout=15)  # the outbox's retry, after its backoff
    [message] = emu.messages[SUPPORT]
    assert len(emu.calls_of("chat.postMessage")) == 1 and emu.calls_of("conversations.history")
    [row] = await world.rows(t.Outbox, t.Outbox.kind == "chat.post")
    assert row.attempts == 2  # tried twice, posted once
    assert (await world.case(result.case_id)).card_key == f"slack:{SUPPORT}:{message['ts']}"
