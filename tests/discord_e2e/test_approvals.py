"""Draft, edit, approve and reject from the card's buttons and modals on
Discord, with the core deciding who may do what; an approved reply is
published exactly once."""
from __future__ import annotations

from bot.people.customer_import import import_customers, import_orders
from bot.store import tables as t
from tests.discord_e2e.world import (
    DANA, DEALER, KIM, LEE, PAT, SAM, SUPPORT, buttons, mention, texts,
)
from tests.slack_e2e.world import CUSTOMERS_CSV, ORDERS_CSV

EDITED = "So sorry, Maria! We've sent you a DM to sort out a replacement."


async def test_draft_then_approve_publishes_once_and_a_second_click_does_not(database_url, make_world, emu):
    world = await make_world(database_url)  # on SQLite and on PostgreSQL
    case_id, card = await world.drafted()
    [draft] = await world.rows(t.Draft, t.Draft.case_id == case_id)
    assert draft.author == SAM and draft.source == "template"
    # A double click: both clicks reach us while Approve is still on the card.
    token = await world.click(DANA, card, "approve")
    again = await world.click(DANA, card, "approve")
    assert (await emu.wait_until(lambda: emu.interactions[token]["responded"]))["type"] == 5  # deferred at once
    await world.thread_line(card, "Published on x")
    await world.update(card, "Stage: published")
    assert [(p["text"], p["in_reply_to"]) for p in world.published()] == [(draft.text, "1")]
    answers = [await emu.answered(token), await emu.answered(again)]
    assert all(a["flags"] & 64 for a in answers)  # ephemeral: only Dana sees them
    assert any("approved" in a["content"] for a in answers)
    assert len(world.published()) == 1
    assert len(await world.rows(t.Outbox, t.Outbox.kind == "publish.reply")) == 1
    # Once published, Approve is gone from the card: nothing left to click twice.
    assert [b.rsplit(":", 2)[1] for b in buttons(await world.update(card, "Stage: published"))] == ["resolve"]
    # Each step is said once in the card's thread, naming the person.
    assert world.thread(card) == [
        "Sam Agent asked for a draft: v1 (template).",
        "Dana Approver approved draft v1 (1/1); publishing to x.",
        f"Published on x: {world.published()[0]['external_id']}",
    ]
    assert (await world.case(case_id)).stage == "published"


async def test_an_edit_in_the_modal_is_what_a_second_approver_publishes(world, emu):
    case_id, card = await world.drafted(text="@acme my order never arrived, call me on +1 555 0100")
    token = await world.click(DANA, card, "edit")
    modal = (await emu.wait_until(lambda: emu.interactions[token]["responded"]))
    assert modal["type"] == 9  # a modal, as the first answer
    [v1] = await world.rows(t.Draft, t.Draft.case_id == case_id)
    components = str(modal["data"]["components"])
    assert v1.text[:40] in components and "Case #1" in components

    submitted = await emu.submit_modal(DANA, token, EDITED)
    await emu.answered(submitted, "v2")
    await world.thread_line(card, "Dana Approver edited the draft: v2 (human).")
    await world.update(card, "Draft v2")
    mine = await world.click(DANA, card, "approve")
    await emu.answered(mine, "four-eyes")
    assert world.published() == []

    await world.click(LEE, card, "approve")
    await world.thread_line(card, "Published on x")
    assert [p["text"] for p in world.published()] == [EDITED]
    approvals = await world.rows(t.Approval, t.Approval.case_id == case_id)
    assert [(a.approver, a.decision) for a in approvals] == [(LEE, "approve")]


async def test_the_edit_modal_shows_the_guardrail_findings(world, emu):
    case_id, card = await world.drafted()
    await world.app.core.write_draft(case_id, world.app.core.actor(_user(SAM)), "Call maria@example.com, damn it", "human")
    world.app.poke()
    await world.update(card, "Draft v2")
    token = await world.click(LEE, card, "edit")
    modal = await emu.wait_until(lambda: emu.interactions[token]["responded"])
    shown = str(modal["data"]["components"])
    assert "Guardrail findings" in shown and "BLOCKED" in shown


async def test_a_reject_in_the_modal_records_the_reason_and_names_the_person(world, emu):
    case_id, card = await world.drafted()
    token = await world.click(LEE, card, "reject")
    modal = await emu.wait_until(lambda: emu.interactions[token]["responded"])
    assert modal["type"] == 9
    await emu.submit_modal(LEE, token, "Too formal; mention the tracking link")
    line = await world.thread_line(card, "rejected draft v1")
    assert line["content"].startswith("Lee Approver rejected draft v1: Too formal; mention the tracking link")
    [approval] = await world.rows(t.Approval, t.Approval.case_id == case_id)
    assert (approval.approver, approval.decision, approval.reason) == (
        LEE, "reject", "Too formal; mention the tracking link")
    await world.update(card, "Stage: rejected")
    assert world.published() == []


async def test_partners_see_redacted_data_and_cannot_approve(world, emu):
    (world.base / "customers.csv").write_text(CUSTOMERS_CSV)
    (world.base / "orders.csv").write_text(ORDERS_CSV)
    assert (await import_customers(world.app.db, world.base / "customers.csv")).errors == []
    assert (await import_orders(world.app.db, world.base / "orders.csv")).errors == []
    shared, internal = await world.ingest(mention(5, "the corner bikes shop says my frame is cracked"),
                                          mention(6, "@acme my order is late"))
    shared_card, internal_card = await world.card(shared.case_id), await world.card(internal.case_id)
    assert shared_card["channel_id"] == DEALER and internal_card["channel_id"] == SUPPORT
    assert "Maria Lopez" in texts(internal_card) and "1,820.50" in texts(internal_card)
    seen = texts(shared_card)
    assert "Lopez" not in seen and "1,820.50" not in seen and "89.90" not in seen
    assert "Lifetime value:** hidden" in seen and "amount hidden" in seen and "details are hidden" in seen

    await world.handled.wait("chat.post", shared.case_id)
    await world.click(SAM, shared_card, "draft")
    await world.update(shared_card, "Draft v1")
    # Pat is in the dealer's own server (a partner server); Kim holds our partner role.
    refused_pat = await world.click(PAT, shared_card, "approve")
    await emu.answered(refused_pat, "needs the role admin or approver")
    await world.handled.wait("chat.post", internal.case_id)
    await world.click(SAM, internal_card, "draft")
    await world.update(internal_card, "Draft v1")
    refused_kim = await world.click(KIM, internal_card, "approve")
    await emu.answered(refused_kim, "needs the role admin or approver")
    refused = await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused")
    assert [(r.case_id, r.actor, r.detail["action"]) for r in refused] == [
        (shared.case_id, PAT, "approve"), (internal.case_id, KIM, "approve")]
    assert world.published() == []
    assert (await world.case(shared.case_id)).stage == "awaiting_approval"
    # A partner may note and suggest a reply; an approver decides.
    edits = len(emu.calls_of("message.edit"))
    await emu.user_message(PAT, shared_card["id"], "Our workshop can look at it on Monday")
    await emu.wait_for_call("message.edit", count=edits + 1)
    [note] = await world.rows(t.Note, t.Note.case_id == shared.case_id)
    assert (note.author, note.kind) == (PAT, "note")
    await emu.user_message(PAT, shared_card["id"], f"<@{emu.bot_id}> suggest We'll fix your frame this week")
    await world.thread_line(shared_card, "suggest")
    updates = [c for c in emu.calls_of("message.edit") if c.path.startswith(f"channels/{DEALER}/")]
    assert updates and not any("1,820.50" in texts(c.response) for c in updates)


def _user(user_id: str):
    from bot.types import ChatUser
    return ChatUser(id=user_id, name="Sam Agent", platform="discord")
