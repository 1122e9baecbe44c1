"""The loop through the real core: cases, drafts, guardrails, approvals,
publishing exactly once — on SQLite and on PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.store import tables as t
from tests.core.harness import ALEX, DANA, LEE, PAT, SAM, make_world, mention


async def case_row(world, case_id: int) -> t.Case:
    async with world.db.sessions() as s:
        return await s.get(t.Case, case_id)


async def test_mention_to_published_reply(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        [r] = await w.ingest(mention(1, "@acme my order never arrived, can you help?"))
        assert r.outcome == "opened" and r.match.team == "support" and "order" in r.match.matched
        assert [c.case_id for _ch, c in w.chat.posted] == [r.case_id]  # the card went to #support
        assert w.chat.posted[0][0] == "#support"

        draft = await w.run(SAM, "draft", r.case_id)
        assert "v1" in draft.text and draft.ok
        approved = await w.run(DANA, "approve", r.case_id)
        assert approved.ok, approved.text

        assert len(w.published()) == 1
        assert w.published()[0]["in_reply_to"] == "1"
        case = await case_row(w, r.case_id)
        assert case.stage == "published" and case.first_response_at is not None
        # The same approval again changes nothing and publishes nothing.
        again = await w.run(LEE, "approve", r.case_id)
        assert not again.ok and "published" in again.text
        assert len(w.published()) == 1
        async with w.db.sessions() as s:
            kinds = [e.kind for e in (await s.execute(select(t.CaseEvent).where(t.CaseEvent.case_id == r.case_id))).scalars()]
        assert kinds[0] == "opened" and kinds.count("stage") == 3 and "refused" in kinds
    finally:
        await w.db.close()


async def test_ingesting_twice_changes_nothing(database_url, tmp_path):
    w = await make_world(database_url, tmp_path)
    try:
        m = mention(7, "@acme broken frame on delivery")
        first = await w.ingest(m)
        second = await w.ingest(m, m)
        assert first[0].outcome == "opened"
        assert [r.outcome for r in second] == ["duplicate", "duplicate"]
        async with w.db.sessions() as s:
            assert (await s.execute(select(func.count()).select_from(t.Mention))).scalar_one() == 1
            assert (await s.execute(select(func.count()).select_from(t.Case))).scalar_one() == 1
    finally:
        await w.db.close()


async def test_reply_in_conversation_joins_case_even_without_keywords(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [root] = await w.ingest(mention(10, "@acme my order is late"))
        [follow] = await w.ingest(mention(11, "still nothing today", conversation="10", reply_to="10", minutes=5))
        [other] = await w.ingest(mention(12, "still nothing today", minutes=6))
        assert follow.outcome == "joined" and follow.case_id == root.case_id
        assert other.outcome == "dropped"
    finally:
        await w.db.close()


async def test_noise_and_own_posts_are_dropped(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        results = await w.ingest(mention(20, "lovely weather for a ride"), mention(21, "@acme order update", handle="acme"))
        assert [r.outcome for r in results] == ["dropped", "own"]
        assert w.chat.posted == []
    finally:
        await w.db.close()


async def test_edit_then_approve_by_another_person(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(30, "@acme order arrived broken"))
        await w.run(SAM, "draft", r.case_id)
        edited = await w.run(DANA, "edit", r.case_id, "So sorry, Maria! We've sent you a DM to sort out a replacement.")
        assert edited.ok
        own = await w.run(DANA, "approve", r.case_id)
        assert not own.ok and "four-eyes" in own.text
        ok = await w.run(LEE, "approve", r.case_id)
        assert ok.ok, ok.text
        assert [p["text"] for p in w.published()] == ["So sorry, Maria! We've sent you a DM to sort out a replacement."]
    finally:
        await w.db.close()


async def test_guardrail_block_stops_approval_until_fixed(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(40, "@acme order help please"))
        await w.run(SAM, "edit", r.case_id, "Project Falcon will fix it, see https://evil.example/x")
        refused = await w.run(DANA, "approve", r.case_id)
        assert not refused.ok and "blocked" in refused.text.lower()
        assert "Project Falcon" in refused.text and "evil.example" in refused.text
        await w.run(SAM, "edit", r.case_id, "Sorry about that! Details: https://help.acme.example/orders")
        assert (await w.run(DANA, "approve", r.case_id)).ok
        assert len(w.published()) == 1
    finally:
        await w.db.close()


async def test_reject_records_reason_and_redraft_follows(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(50, "@acme pricing for 20 bikes?"))
        assert r.match.team == "sales"
        await w.run(SAM, "draft", r.case_id)
        no_reason = await w.run(DANA, "reject", r.case_id)
        assert not no_reason.ok and "why" in no_reason.text
        rejected = await w.run(DANA, "reject", r.case_id, "offer a call instead")
        assert rejected.ok and (await case_row(w, r.case_id)).stage == "rejected"
        async with w.db.sessions() as s:
            reasons = (await s.execute(select(t.Approval.reason).where(t.Approval.decision == "reject"))).scalars().all()
        assert reasons == ["offer a call instead"]
        redraft = await w.run(SAM, "redraft", r.case_id, "shorter")
        assert redraft.ok and "v2" in redraft.text
        assert (await w.run(DANA, "approve", r.case_id)).ok
        assert len(w.published()) == 1
    finally:
        await w.db.close()


async def test_high_risk_needs_two_distinct_approvers(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(60, "@acme my lawyer will be in touch about this refund", followers=120_000))
        assert r.match.route == "legal"
        await w.run(SAM, "draft", r.case_id)
        first = await w.run(DANA, "approve", r.case_id)
        assert first.ok and "another approver is needed" in first.text and w.published() == []
        twice = await w.run(DANA, "approve", r.case_id)
        assert twice.ok and "already approved" in twice.text and w.published() == []  # a no-op
        second = await w.run(ALEX, "approve", r.case_id)  # admins may approve
        assert second.ok and len(w.published()) == 1
    finally:
        await w.db.close()


async def test_partner_sees_redacted_cards_and_cannot_approve(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        from bot.people.customer_import import import_customers, import_orders

        (tmp_path / "c.csv").write_text("email,name,phone,tier,lifetime_value,handles\n"
                                         "jo@example.com,Jo Park,+1 555 0100,vip,4200,x:jo\n")
        (tmp_path / "o.csv").write_text("email,number,placed_at,total,currency,status\n"
                                         "jo@example.com,A-1,2026-10-01,999.5,USD,delivered\n")
        await import_customers(w.db, tmp_path / "c.csv")
        await import_orders(w.db, tmp_path / "o.csv")
        [dealer] = await w.ingest(mention(70, "Corner Bikes fixed my brakes in 10 minutes!", handle="jo"))
        [internal] = await w.ingest(mention(71, "@acme order is late", handle="jo", minutes=1))
        assert w.chat.posted[0][0] == "#dealer"
        partner_card = w.chat.posted[0][1]
        assert partner_card.customer.name == "Jo" and partner_card.customer.email is None
        assert partner_card.customer.lifetime_value is None and partner_card.customer.recent_orders[0].total is None
        internal_card = await w.core.card_for(internal.case_id, DANA)
        assert internal_card.customer.email == "jo@example.com" and internal_card.customer.recent_orders[0].total == 999.5

        assert (await w.run(PAT, "case", internal.case_id)).ok is False  # not shared with the partner
        await w.run(PAT, "suggest", dealer.case_id, "Glad they sorted it! Thanks for riding with us.")
        refused = await w.run(PAT, "approve", dealer.case_id)
        assert not refused.ok and "approver" in refused.text
        async with w.db.sessions() as s:
            logged = (await s.execute(select(t.CaseEvent).where(t.CaseEvent.kind == "refused"))).scalars().all()
        assert [(e.actor, e.detail["action"]) for e in logged] == [("pat", "case"), ("pat", "approve")]
        assert (await w.run(DANA, "approve", dealer.case_id)).ok  # Dana did not write the suggestion
        assert len(w.published()) == 1
    finally:
        await w.db.close()


async def test_thread_messages_are_notes_never_published(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(80, "@acme order help"))
        ref = w.chat.cards[r.case_id]
        from bot.types import MessageRef

        msg = MessageRef("console", ref.channel, "m-1", thread_id=ref.message_id)
        await w.app.dispatcher.thread_message(msg, SAM, "customer called us too, be nice")
        await w.app.dispatcher.thread_message(msg, SAM, "customer called us too, be nice")  # redelivered
        await w.drain()
        async with w.db.sessions() as s:
            notes = (await s.execute(select(t.Note))).scalars().all()
        assert [n.text for n in notes] == ["customer called us too, be nice"]
        assert w.published() == []
    finally:
        await w.db.close()


async def test_burst_folds_into_one_incident(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        results = await w.ingest(*[mention(100 + i, f"@acme outage again #{i}", handle=f"u{i}", minutes=i) for i in range(6)])
        assert [r.outcome for r in results] == ["opened", "opened", "opened", "joined", "joined", "joined"]
        incident_id = results[2].case_id
        card = await w.core.card_for(incident_id, DANA)
        # Six mentions: four in the incident, one in each of the two cases folded into it.
        assert card.incident_count == 6 and len(card.incident_samples) == 3
        assert card.folded_cases == (results[0].case_id, results[1].case_id)
        async with w.db.sessions() as s:
            folded = (await s.execute(select(t.Case.id).where(t.Case.incident_of == incident_id))).scalars().all()
        assert sorted(folded) == [results[0].case_id, results[1].case_id]
    finally:
        await w.db.close()


async def test_sla_and_first_response(sqlite_url, tmp_path):
    w = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await w.ingest(mention(90, "@acme order broken"))
        w.clock.advance(timedelta(minutes=20))
        await w.run(SAM, "draft", r.case_id)
        await w.run(DANA, "approve", r.case_id)
        case = await case_row(w, r.case_id)
        assert w.core.cases.first_response(case) == timedelta(minutes=20)
        assert not w.core.cases.sla_breached(case)
        [late] = await w.ingest(mention(91, "@acme refund please", handle="bo", minutes=25))
        w.clock.advance(timedelta(hours=2))
        assert w.core.cases.sla_breached(await case_row(w, late.case_id))
    finally:
        await w.db.close()


async def test_cards_after_a_restart_do_not_collide(sqlite_url, tmp_path):
    """Card ids are stored; a new process must not reuse the old ones."""
    first = await make_world(sqlite_url, tmp_path)
    await first.ingest(mention(1, "@acme order broken"))
    await first.db.close()
    second = await make_world(sqlite_url, tmp_path)
    try:
        [r] = await second.ingest(mention(2, "@acme refund please", handle="bo"))
        async with second.db.sessions() as s:
            keys = (await s.execute(select(t.Case.card_key).order_by(t.Case.id))).scalars().all()
        assert len(keys) == 2 and None not in keys and len(set(keys)) == 2
        assert [c.case_id for _ch, c in second.chat.posted] == [r.case_id]
    finally:
        await second.db.close()
