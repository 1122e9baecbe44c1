"""Draft, edit, approve and reject from the card's buttons and modals, with the
core deciding who may do what; an approved reply is published exactly once."""
from __future__ import annotations

from bot.people.customer_import import import_customers, import_orders
from bot.store import tables as t
from tests.slack_e2e.world import (
    CUSTOMERS_CSV, DANA, DEALER, LEE, ORDERS_CSV, PAT, SAM, SUPPORT, mention, texts,
)

EDITED = "So sorry, Maria! We've sent you a DM to sort out a replacement."


async def test_draft_then_approve_publishes_once_and_a_second_click_does_not(database_url, make_world, emu):
    world = await make_world(database_url)  # on SQLite and on PostgreSQL
    case_id, card = await world.drafted()
    [draft] = await world.rows(t.Draft, t.Draft.case_id == case_id)
    assert draft.author == SAM and draft.source == "template"
    assert draft.text in texts(emu.calls_of("chat.update")[-1])  # the draft is on the card

    await world.click(DANA, card, "approve")
    await world.thread_line(card, "Published on x")
    await world.update(card, "*Stage:* published")
    assert [(p["text"], p["in_reply_to"]) for p in world.published()] == [(draft.text, "1")]

    await world.click(DANA, card, "approve")  # again, later: a no-op with a friendly answer, not a refusal
    told = await world.told(DANA, "You already approved draft v1")
    assert told.args["channel"] == SUPPORT and "is published" in told.args["text"]
    assert len(world.published()) == 1
    assert len(await world.rows(t.Outbox, t.Outbox.kind == "publish.reply")) == 1
    assert await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused") == []
    # Each step is said once in the card's thread, naming the person.
    assert world.thread(card) == [
        "Sam Agent asked for a draft: v1 (template).",
        "Dana Approver approved draft v1 (1/1); publishing to x.",
        f"Published on x: {world.published()[0]['external_id']}",
    ]
    assert (await world.case(case_id)).stage == "published"


async def test_an_edit_in_the_modal_is_what_a_second_approver_publishes(world, emu):
    case_id, card = await world.drafted()
    await world.click(DANA, card, "edit")
    await emu.wait_for_call("views.open")  # the loading modal, within the trigger's life
    editor = await emu.wait_for_call("views.update")
    field = next(b for b in editor.args["view"]["blocks"] if b["type"] == "input")["element"]
    [v1] = await world.rows(t.Draft, t.Draft.case_id == case_id)
    assert field["initial_value"] == v1.text

    await world.submit(DANA, editor, EDITED)
    await world.thread_line(card, "Dana Approver edited the draft: v2 (human).")
    await world.update(card, "Draft v2")
    await world.click(DANA, card, "approve")
    await world.told(DANA, "four-eyes")
    assert world.published() == []

    await world.click(LEE, card, "approve")
    await world.thread_line(card, "Published on x")
    assert [p["text"] for p in world.published()] == [EDITED]
    approvals = await world.rows(t.Approval, t.Approval.case_id == case_id)
    assert [(a.approver, a.decision) for a in approvals] == [(LEE, "approve")]


async def test_a_reject_in_the_modal_records_the_reason_and_names_the_person(world, emu):
    case_id, card = await world.drafted()
    await world.click(LEE, card, "reject")
    modal = await emu.wait_for_call("views.open")
    assert modal.response["ok"], modal.response
    await world.submit(LEE, modal, "Too formal; mention the tracking link")
    line = await world.thread_line(card, "rejected draft v1")
    assert line.args["text"] == "Lee Approver rejected draft v1: Too formal; mention the tracking link"
    assert any(c.args.get("user") == LEE for c in emu.calls_of("users.info"))  # the name came from Slack
    [approval] = await world.rows(t.Approval, t.Approval.case_id == case_id)
    assert (approval.approver, approval.decision, approval.reason) == (
        LEE, "reject", "Too formal; mention the tracking link")
    await world.update(card, "*Stage:* rejected")
    assert world.published() == []


async def test_a_partner_sees_redacted_customer_data_and_cannot_approve(world, emu):
    (world.base / "customers.csv").write_text(CUSTOMERS_CSV)
    (world.base / "orders.csv").write_text(ORDERS_CSV)
    assert (await import_customers(world.app.db, world.base / "customers.csv")).errors == []
    assert (await import_orders(world.app.db, world.base / "orders.csv")).errors == []
    shared, internal = await world.ingest(mention(5, "the corner bikes shop says my frame is cracked"),
                                          mention(6, "@acme my order is late"))
    shared_card, internal_card = await world.card(shared.case_id), await world.card(internal.case_id)
    assert shared_card.args["channel"] == DEALER and internal_card.args["channel"] == SUPPORT
    assert "Maria Lopez" in texts(internal_card) and "1,820.50" in texts(internal_card)
    seen = texts(shared_card)
    assert "Lopez" not in seen and "1,820.50" not in seen and "89.90" not in seen
    assert "*Lifetime value:* hidden" in seen and "amount hidden" in seen and "details are hidden" in seen

    await world.handled.wait("chat.post", shared.case_id)
    await world.click(SAM, shared_card, "draft")
    await world.update(shared_card, "Draft v1")
    await world.click(PAT, shared_card, "approve")
    told = await world.told(PAT, "needs the role admin or approver")
    assert told.args["channel"] == DEALER
    [refused] = await world.rows(t.CaseEvent, t.CaseEvent.kind == "refused")
    assert (refused.case_id, refused.actor, refused.detail["action"]) == (shared.case_id, PAT, "approve")
    assert world.published() == []
    assert (await world.case(shared.case_id)).stage == "awaiting_approval"
    # Every later version of the partner's card hides the numbers too.
    updates = [c for c in emu.calls_of("chat.update") if c.args["channel"] == DEALER]
    assert updates and not any("1,820.50" in texts(c) for c in updates)
