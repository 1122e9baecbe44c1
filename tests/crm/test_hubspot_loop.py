"""End to end on the harness world with a local HubSpot: a mention from a
known contact shows their deals and tickets on the card; approving and
publishing leaves exactly one note for the mention and one for the reply."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.chat.text_view import card_lines
from bot.store import tables as t
from tests.core.harness import DANA, PAT, SAM, mention
from tests.crm.conftest import TOKEN
from tests.crm.world import make_crm_world


def text(card) -> str:
    return "\n".join(card_lines(card))


async def test_card_shows_crm_context_and_each_interaction_is_noted_once(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        card = w.chat.drawn[r.case_id]
        assert card.crm.status == "ok" and card.crm.matched_by == "handle"
        shown = text(card)
        assert "HubSpot: Maria Kowalski · Kowalski Cycles · tier gold" in shown
        assert "open pipeline 6,300 EUR" in shown and "deal Fleet renewal" in shown
        assert "open ticket: ticket Brake recall question" in shown and "owner: Olga Novak" in shown
        await w.run(SAM, "draft", r.case_id)
        await w.run(DANA, "approve", r.case_id)
        assert len(w.published()) == 1
        notes = hub.notes_on(seeded.maria)
        kinds = sorted(n["properties"]["rejoinder_key"].split(":")[1] for n in notes)
        assert kinds == ["mention", "reply"]
        reply = next(n for n in notes if ":reply:" in n["properties"]["rejoinder_key"])
        assert w.published()[0]["text"][:20] in reply["properties"]["hs_note_body"]
        assert all(hub.associated("notes", n["id"], "companies") == [seeded.company] for n in notes)
        # Running the workers again (a restart, a redelivery) writes nothing more.
        await w.drain()
        assert len(hub.notes_on(seeded.maria)) == 2
        await w.run(SAM, "resolve", r.case_id, "sorted by phone")
        events = sorted(n["properties"]["rejoinder_key"].split(":")[1] for n in hub.notes_on(seeded.maria))
        assert events == ["mention", "reply", "resolution"]
    finally:
        await w.db.close()


async def test_an_author_unknown_to_the_crm_gets_suggestions_and_no_note(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        [r] = await w.ingest(mention(2, "@acme order broken, write me at jon@example.com", handle="jb_rides"))
        card = w.chat.drawn[r.case_id]
        assert card.crm.status == "no_match"
        assert [c.id for c in card.crm.suggestions] == [seeded.jon]
        assert "maybe Jon Berg <jon@example.com>" in text(card)
        assert hub.objects["notes"] == {}  # never linked by itself, so nothing written
    finally:
        await w.db.close()


async def test_a_crm_outage_says_so_on_the_card_then_fills_in(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        hub.fail_next("POST /crm/v3/objects/contacts/search", times=3, status=503)
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        card = w.chat.drawn[r.case_id]
        assert card.crm.status == "unavailable" and "HubSpot is not answering" in text(card)
        async with w.db.sessions() as s:
            queued = (await s.execute(select(t.Outbox).where(t.Outbox.kind.startswith("crm.")))).scalars().all()
        assert {row.status for row in queued} == {"uncertain"}  # kept for later, not dropped
        for _ in range(4):  # past the backoff, until HubSpot answers again
            w.clock.advance(timedelta(minutes=5))
            await w.drain()
        card = w.chat.drawn[r.case_id]
        assert card.crm.status == "ok" and "Fleet renewal" in text(card)
        assert [n["properties"]["rejoinder_key"] for n in hub.notes_on(seeded.maria)] == ["crm:mention:x:1"]
    finally:
        await w.db.close()


async def test_partners_see_the_account_but_no_amounts_or_owner(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        [r] = await w.ingest(mention(3, "@acme corner bikes said my order is broken"))
        card = w.chat.drawn[r.case_id]  # the dealer team's channel is shared with a partner
        assert card.crm.redacted and card.crm.profile.contact.company == "Kowalski Cycles"
        shown = text(card)
        assert "EUR" not in shown and "Olga" not in shown and "Kowalski ·" not in shown
        assert "deal Fleet renewal" in shown
        partner_card = await w.core.card_for(r.case_id, PAT)
        assert partner_card.crm.redacted and partner_card.crm.profile.lifetime_value is None
    finally:
        await w.db.close()


async def test_a_case_from_before_the_crm_is_looked_up_on_its_next_move(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        async with w.db.transaction() as s:  # as if it was stored before the crm: section existed
            await s.execute(t.CrmCache.__table__.delete())
        await w.run(SAM, "escalate", r.case_id, "needs a lead")
        card = w.chat.drawn[r.case_id]
        assert card.crm.status == "ok" and card.crm.profile.contact.id == seeded.maria
    finally:
        await w.db.close()


async def test_a_long_outage_queues_writes_and_loses_none(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        for route in ("POST /crm/v3/objects/contacts/search", "POST /crm/v3/objects/notes/search",
                      "POST /crm/v3/objects/notes"):
            hub.fail_next(route, times=1000, status=503)
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        for _ in range(12):  # more attempts than any other outbox gives a row
            w.clock.advance(timedelta(minutes=10))
            await w.drain()
        async with w.db.sessions() as s:
            rows = (await s.execute(select(t.Outbox).where(t.Outbox.kind.startswith("crm.")))).scalars().all()
        assert {row.status for row in rows} == {"uncertain"} and min(row.attempts for row in rows) > 10
        hub.clear_failures()
        w.clock.advance(timedelta(minutes=10))
        await w.drain()
        assert [n["properties"]["rejoinder_key"] for n in hub.notes_on(seeded.maria)] == ["crm:mention:x:1"]
        assert w.chat.drawn[r.case_id].crm.status == "ok"
    finally:
        await w.db.close()


async def test_an_old_answer_is_marked_and_asked_again_on_the_next_move(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        hub.objects["companies"][seeded.company]["properties"]["tier"] = "platinum"
        w.clock.advance(timedelta(minutes=11))  # past the 10-minute cache
        stale = await w.core.card_for(r.case_id, SAM)
        assert stale.crm.stale and "as of 2026-11-20 09:00 UTC" in text(stale) and "tier gold" in text(stale)
        await w.run(SAM, "escalate", r.case_id, "needs a lead")
        fresh = w.chat.drawn[r.case_id]
        assert not fresh.crm.stale and "tier platinum" in text(fresh)
    finally:
        await w.db.close()
