"""The built-in directory behind the same port (`crm: {type: builtin}`):
the card's section from the directory's own customers and orders, links,
and resolutions and escalations added to the customer's timeline once."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from bot.chat.text_view import card_lines
from bot.people.builtin_directory import BuiltinDirectory
from bot.store import tables as t
from tests.core.harness import SAM, T0, mention
from tests.crm.world import make_crm_world

CRM = "\ncrm: {type: builtin}\n"


async def add_customer(w) -> int:
    async with w.db.transaction() as s:
        customer = t.Customer(name="Maria Kowalski", email="maria@example.com", tier="vip", lifetime_value=2400.0,
                              created_at=T0)
        s.add(customer)
        await s.flush()
        s.add(t.Identity(customer_id=customer.id, network="x", handle="maria"))
        s.add(t.Order(customer_id=customer.id, number="TB-1", placed_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
                      total=1200.0, currency="EUR", status="shipped"))
        return customer.id


async def test_builtin_directory_card_links_and_write_back(database_url, tmp_path):
    w = await make_crm_world(database_url, tmp_path, "", "", crm_yaml=CRM, directory=lambda ws, db: BuiltinDirectory(db))
    try:
        customer_id = await add_customer(w)
        [r] = await w.ingest(mention(1, "@acme my order is broken"))
        shown = "\n".join(card_lines(w.chat.drawn[r.case_id]))
        assert "Directory: Maria Kowalski · tier vip (matched by handle)" in shown
        assert "recent: order TB-1 · shipped · 1,200 EUR" in shown and f"open ticket: case #{r.case_id} support" in shown
        [other] = await w.ingest(mention(2, "@acme order broken, I'm maria@example.com", handle="mk_alt"))
        assert [c.id for c in w.chat.drawn[other.case_id].crm.suggestions] == [str(customer_id)]
        await w.run(SAM, "link", args=f"#{other.case_id} @mk_alt to maria@example.com")
        assert w.chat.drawn[other.case_id].crm.matched_by == "link"
        await w.run(SAM, "escalate", r.case_id, "wants a call")
        await w.run(SAM, "resolve", other.case_id, "called her back")
        await w.drain()
        async with w.db.sessions() as s:
            keyed = (await s.execute(select(t.CustomerEvent.kind).where(t.CustomerEvent.key.is_not(None))
                                     .order_by(t.CustomerEvent.id))).scalars().all()
            mentions = (await s.execute(select(t.CustomerEvent).where(t.CustomerEvent.kind == "mention"))).scalars().all()
        assert keyed == ["escalation", "resolution"]  # once each; mentions were on the timeline already
        assert len(mentions) == 1
        directory = BuiltinDirectory(w.db)
        async with w.db.sessions() as s:
            key = (await s.execute(select(t.Outbox.idempotency_key).where(t.Outbox.kind == "crm.write",
                                                                          t.Outbox.payload["event"].as_string() == "escalation"))).scalar_one()
        assert await directory.find_interaction(key) is not None  # a retry finds it and writes nothing
    finally:
        await w.db.close()
