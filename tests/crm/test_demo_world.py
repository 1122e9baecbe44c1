"""End to end on the bundled Tandem Bikes demo world with a local HubSpot:
Maria Kovács (a demo customer, known to HubSpot by her email) tweets about
her order; her card shows her HubSpot deals and ticket; approved and
published, exactly one note lands on her record for the mention and one for
the reply."""
from __future__ import annotations



from bot.app import demo
from bot.app.root import App
from bot.chat.text_view import card_lines
from bot.clock import ManualClock
from bot.config.loader import parse_workspace
from bot.core import Core
from bot.crm.setup import Crm
from bot.drafting.template import TemplateDrafter
from bot.intake.bus import InProcessBus
from bot.people.customer_import import import_customers, import_orders
from bot.ports import Command
from bot.store.db import Database
from bot.types import ChatUser
from integrations.crm.hubspot import HubSpotDirectory
from integrations.social.replay import ReplayPublisher, read_mentions, read_replies
from tests.crm.conftest import TOKEN
from tests.crm.world import DrawingConsole

SAM, DANA = ChatUser("sam", "Sam"), ChatUser("dana", "Dana")


def seed_demo(hub) -> str:
    hub.define("notes", "rejoinder_key", unique=True)
    hub.define("contacts", "twitterhandle")
    company = hub.add("companies", name="Kovács Design Studio", tier="platinum")
    maria = hub.add("contacts", firstname="Maria", lastname="Kovács", email="maria.kovacs@example.com",
                    associatedcompanyid=company)
    deal = hub.add("deals", dealname="Studio cargo bikes", amount="8800", dealstage="decisionmakerboughtin",
                   hs_is_closed="false", closedate="2026-12-10", deal_currency_code="USD")
    ticket = hub.add("tickets", subject="Delivery address change", hs_pipeline_stage="1", createdate="2026-11-18")
    hub.associate("contacts", maria, "deals", deal, 4)
    hub.associate("contacts", maria, "tickets", ticket, 15)
    return maria


async def test_demo_customer_card_and_exactly_one_note_each(tmp_path, hub):
    maria = seed_demo(hub)
    text = demo.path("workspace.yaml").read_text(encoding="utf-8")
    text += f"\ncrm: {{type: hubspot, token_env: HUBSPOT_TOKEN, base_url: '{hub.url}', handle_fields: {{x: twitterhandle}}}}\n"
    ws = parse_workspace(text, "workspace.yaml", base_dir=demo.path("workspace.yaml").parent)
    [first, *_] = read_mentions(demo.path("feed.jsonl"))[0]
    db = await Database(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}").start()
    try:
        await import_customers(db, demo.path("customers.csv"))
        await import_orders(db, demo.path("orders.csv"))
        clock = ManualClock(first.created_at)
        drafter = TemplateDrafter(organisation=ws.organisation.name)
        core = Core(ws, db, clock, drafter, drafter)
        chat = DrawingConsole()
        replies = tmp_path / "replies.jsonl"
        app = App(ws, db, core, {"console": chat}, [], {"*": ReplayPublisher(replies)}, InProcessBus(), clock,
                  Crm(ws, db, clock, HubSpotDirectory(ws.crm, TOKEN)))
        await chat.start(app.dispatcher.handlers())

        async def drain():
            while (await app.chat_worker.run_due() + await app.publish_worker.run_due()
                   + await app.crm_worker.run_due()):
                pass

        [result] = await core.pipeline.ingest([first])
        await drain()
        card = chat.drawn[result.case_id]
        assert card.author.handle == "maria_k" and card.crm.matched_by == "email"  # no handle field set: her email
        shown = "\n".join(card_lines(card))
        assert "HubSpot: Maria Kovács · Kovács Design Studio · tier platinum" in shown
        assert "deal Studio cargo bikes" in shown and "open ticket: ticket Delivery address change" in shown
        for user, name in ((SAM, "draft"), (DANA, "approve")):
            outcome = await app.dispatcher.run(Command(name, "", user, case_id=result.case_id))
            assert outcome.ok, outcome.text
            await drain()
        assert len(read_replies(replies)) == 1
        keys = sorted(n["properties"]["rejoinder_key"] for n in hub.notes_on(maria))
        assert keys == [f"crm:mention:x:{first.external_id}", f"crm:reply:{result.case_id}:{read_replies(replies)[0]['external_id']}"]
    finally:
        await db.close()
