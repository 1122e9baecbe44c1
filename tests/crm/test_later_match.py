"""Interactions of an author the CRM does not know yet wait with their keys,
and reach the record once the author is matched: by a link made in chat, by
`crm backfill`, or by a later lookup that finds them. Incidents write their
reply, resolution and escalation on the record of everyone in them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.crm.backfill import backfill
from bot.store import tables as t
from tests.core.harness import DANA, SAM, mention
from tests.crm.conftest import TOKEN
from tests.crm.world import make_crm_world


def events(hub, contact_id: str) -> list[str]:
    return sorted(n["properties"]["rejoinder_key"].split(":")[1] for n in hub.notes_on(contact_id))


def keys(hub, contact_id: str) -> list[str]:
    return sorted(n["properties"]["rejoinder_key"] for n in hub.notes_on(contact_id))


async def crm_rows(w) -> list[t.Outbox]:
    async with w.db.sessions() as s:
        return list((await s.execute(select(t.Outbox).where(t.Outbox.kind == "crm.write")
                                     .order_by(t.Outbox.id))).scalars())


async def unknown_author_with_history(w):
    """A stranger's mention, our published reply and an escalation: nothing written, all kept."""
    [r] = await w.ingest(mention(2, "@acme order broken", handle="jb_rides"))
    for user, action, note in ((SAM, "escalate", "wants a manager"), (SAM, "draft", ""), (DANA, "approve", "")):
        assert (await w.run(user, action, r.case_id, note)).ok
    assert len(w.published()) == 1
    rows = await crm_rows(w)
    assert [row.payload["event"] for row in rows] == ["mention", "escalation", "reply"]
    assert {row.status for row in rows} == {"waiting"}  # kept with their keys, not dropped, not due
    return r


async def test_a_link_writes_the_earlier_interactions_once(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        r = await unknown_author_with_history(w)
        assert hub.objects["notes"] == {}
        result = await w.run(SAM, "link", args=f"#{r.case_id} @jb_rides to jon@example.com")
        assert result.ok
        assert events(hub, seeded.jon) == ["escalation", "mention", "reply"]
        reply_key = next(k for k in keys(hub, seeded.jon) if ":reply:" in k)
        assert reply_key == f"crm:reply:{r.case_id}:{w.published()[0]['external_id']}"  # the key it had all along
        assert {row.status for row in await crm_rows(w)} == {"sent"}
        # Another lookup, another link, a restart: nothing is written twice.
        await w.run(SAM, "link", args=f"#{r.case_id} @jb_rides to jon@example.com")
        w.clock.advance(timedelta(minutes=30))
        await w.drain()
        assert len(hub.objects["notes"]) == 3
        await w.run(SAM, "resolve", r.case_id, "sorted")
        assert events(hub, seeded.jon) == ["escalation", "mention", "reply", "resolution"]
    finally:
        await w.db.close()


async def test_a_backfill_match_writes_the_earlier_interactions(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        await unknown_author_with_history(w)
        hub.objects["contacts"][seeded.jon]["properties"]["twitterhandle"] = "jb_rides"  # the CRM learns the handle
        report = await backfill(w.db, w.clock, w.app.crm.reads)
        assert report.matched == 1
        await w.drain()
        assert events(hub, seeded.jon) == ["escalation", "mention", "reply"]
        assert {row.status for row in await crm_rows(w)} == {"sent"}
    finally:
        await w.db.close()


async def test_a_later_lookup_that_finds_the_author_writes_them(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        await unknown_author_with_history(w)
        hub.objects["contacts"][seeded.jon]["properties"]["twitterhandle"] = "@JB_rides"
        w.clock.advance(timedelta(minutes=11))  # past the cache: the next mention asks HubSpot again
        await w.ingest(mention(9, "@acme still broken", handle="jb_rides", minutes=11))
        assert events(hub, seeded.jon) == ["escalation", "mention", "mention", "reply"]
        assert len(set(keys(hub, seeded.jon))) == 4
    finally:
        await w.db.close()


async def test_an_unknown_author_stays_waiting_and_costs_no_retries(database_url, tmp_path, hub, seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        await unknown_author_with_history(w)
        calls = len(hub.calls)
        w.clock.advance(timedelta(hours=6))
        assert await w.app.crm_worker.run_due() == 0  # waiting rows are not due
        assert len(hub.calls) == calls and hub.objects["notes"] == {}
    finally:
        await w.db.close()


async def test_an_incident_writes_its_reply_resolution_and_escalation_to_everyone_in_it(database_url, tmp_path, hub, seeded):
    hub.objects["contacts"][seeded.jon]["properties"]["twitterhandle"] = "jonb"
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN)
    try:
        # Three on the support route within the window: the first two are folded into the third's incident.
        results = await w.ingest(mention(1, "@acme order broken"), mention(2, "@acme order broken too", handle="jonb"),
                                 mention(3, "@acme outage? order broken", handle="stranger"))
        async with w.db.sessions() as s:
            incident = (await s.execute(select(t.Case).where(t.Case.is_incident))).scalar_one()
            folded = (await s.execute(select(t.Case.id).where(t.Case.incident_of == incident.id))).scalars().all()
        assert len(folded) == 2 and {r.case_id for r in results} >= set(folded)
        for user, action, note in ((SAM, "escalate", "many customers"), (SAM, "draft", ""), (DANA, "approve", ""),
                                   (SAM, "resolve", "fixed")):
            assert (await w.run(user, action, incident.id, note)).ok
        assert len(w.published()) == 1
        for contact in (seeded.maria, seeded.jon):
            assert events(hub, contact) == ["escalation", "mention", "reply", "resolution"]
        reply = [k for k in keys(hub, seeded.maria) if ":reply:" in k]
        assert reply == [f"crm:reply:{incident.id}:{w.published()[0]['external_id']}:x:maria"]
        stranger = [row for row in await crm_rows(w) if row.status == "waiting"]
        assert len(stranger) == 4  # mention, reply, escalation, resolution: kept for when they are known
        await w.run(SAM, "link", args="x:stranger to maria@example.com")
        assert events(hub, seeded.maria) == ["escalation", "escalation", "mention", "mention",
                                             "reply", "reply", "resolution", "resolution"]
        assert len(set(keys(hub, seeded.maria))) == 8
        await w.drain()
        assert len(hub.objects["notes"]) == 12
    finally:
        await w.db.close()


async def test_a_ticket_is_not_opened_for_a_case_resolved_before_its_author_was_matched(database_url, tmp_path, hub,
                                                                                       seeded):
    w = await make_crm_world(database_url, tmp_path, hub.url, TOKEN, extra="  tickets: {routes: [support]}")
    try:
        [r] = await w.ingest(mention(2, "@acme order broken", handle="jb_rides"))
        [w2] = await w.ingest(mention(4, "@acme order broken", handle="jonb"))
        assert (await w.run(SAM, "resolve", r.case_id, "sorted by phone")).ok
        assert (await w.run(SAM, "link", args=f"#{r.case_id} @jb_rides to jon@example.com")).ok
        assert events(hub, seeded.jon) == ["mention", "resolution"]
        tickets = [x for x in hub.objects["tickets"].values() if x["properties"].get("rejoinder_key")]
        assert tickets == []  # its resolution came before the match: no ticket left open for ever
        # A case still open when its author is matched gets its ticket.
        assert (await w.run(SAM, "link", args=f"#{w2.case_id} @jonb to jon@example.com")).ok
        opened = [x["properties"]["rejoinder_key"] for x in hub.objects["tickets"].values()
                  if x["properties"].get("rejoinder_key")]
        assert opened == [f"crm:ticket:{w2.case_id}"]
    finally:
        await w.db.close()
