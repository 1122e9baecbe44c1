"""`link @handle to email` and `unlink`: role-checked in the core, written on
the case timeline, and the card shows the linked contact at once."""
from __future__ import annotations

from sqlalchemy import select

from bot.store import tables as t
from tests.core.harness import PAT, SAM, mention
from tests.crm.conftest import TOKEN
from tests.crm.world import make_crm_world


async def timeline_kinds(w, case_id):
    async with w.db.sessions() as s:
        return [e.kind for e in await w.core.cases.timeline(s, case_id)]


async def test_link_then_unlink_a_handle(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        [r] = await w.ingest(mention(2, "@acme order broken", handle="jb_rides"))
        assert w.chat.drawn[r.case_id].crm.status == "no_match"
        result = await w.run(SAM, "link", args=f"#{r.case_id} @jb_rides to Jon@example.com")
        assert result.ok and "linked @jb_rides (x) to the CRM contact jon@example.com" in result.text
        card = w.chat.drawn[r.case_id]
        assert card.crm.status == "ok" and card.crm.matched_by == "link" and card.crm.profile.contact.id == seeded.jon
        assert "crm_link" in await timeline_kinds(w, r.case_id)
        # The mention kept while the author was unknown, and later interactions, go on the linked contact.
        await w.run(SAM, "escalate", r.case_id, "wants a manager")
        assert [n["properties"]["rejoinder_key"].split(":")[1] for n in hub.notes_on(seeded.jon)] == ["mention", "escalation"]

        result = await w.run(SAM, "unlink", args=f"#{r.case_id} @jb_rides")
        assert result.ok and "unlinked @jb_rides" in result.text
        assert w.chat.drawn[r.case_id].crm.status == "no_match"
        assert (await timeline_kinds(w, r.case_id))[-1] == "crm_unlink"
        again = await w.run(SAM, "unlink", args="x:jb_rides")
        assert "was not linked on x" in again.text
    finally:
        await w.db.close()


async def test_partners_cannot_link_and_the_refusal_is_logged(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        [r] = await w.ingest(mention(3, "@acme corner bikes: my order is broken", handle="jb_rides"))
        result = await w.run(PAT, "link", r.case_id, "@jb_rides to jon@example.com")
        assert not result.ok and "role" in result.text
        async with w.db.sessions() as s:
            assert (await s.execute(select(t.CrmLink))).scalars().all() == []
        bad = await w.run(SAM, "link", args="@jb_rides to not-an-email")
        assert not bad.ok and "email" in bad.text
    finally:
        await w.db.close()


async def test_lookup_shows_what_the_crm_said(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        await w.ingest(mention(1, "@acme my order is broken"))
        found = await w.run(SAM, "lookup", args="@Maria")
        assert "HubSpot: Maria Kowalski · Kowalski Cycles · tier gold" in found.text and "Fleet renewal" in found.text
        assert "HubSpot: Maria Kowalski" in (await w.run(SAM, "lookup", args="x:maria")).text
        assert "No customer matches" in (await w.run(SAM, "lookup", args="bluesky:maria")).text
    finally:
        await w.db.close()
