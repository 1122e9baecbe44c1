"""End to end on the bundled Tandem Bikes demo world, once with a local
HubSpot and once with a local Salesforce: Maria Kovács (a demo customer,
known to the CRM by her email) tweets about her order; her card shows her
deals or opportunities and her open ticket or case; approved and published,
exactly one note (HubSpot) or Task (Salesforce) lands on her record for the
mention and one for the reply."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

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


def seed_demo_salesforce(sf) -> str:
    from tests.crm.salesforce_setup import seed

    seed(sf)  # the connected app and the key field; the demo customer is added below
    account = sf.add("Account", Name="Kovács Design Studio", Rating="platinum")
    maria = sf.add("Contact", FirstName="Maria", LastName="Kovács", Email="maria.kovacs@example.com", AccountId=account)
    sf.add("Opportunity", Name="Studio cargo bikes", StageName="Negotiation", Amount=8800.0, IsClosed=False,
           IsWon=False, CloseDate="2026-12-10", AccountId=account)
    sf.add("Case", Subject="Delivery address change", Status="New", ContactId=maria, AccountId=account)
    return maria


@dataclass
class Vendor:
    """One CRM for the demo world: its yaml, its connector, what the card shows, the keys on the record."""
    yaml: str
    directory: object
    shown: tuple[str, ...]
    keys: object  # () -> the idempotency keys on Maria's record


async def hubspot_vendor(hub, tmp_path) -> Vendor:
    maria = seed_demo(hub)
    yaml = f"crm: {{type: hubspot, token_env: HUBSPOT_TOKEN, base_url: '{hub.url}', handle_fields: {{x: twitterhandle}}}}\n"
    return Vendor(yaml, lambda ws: HubSpotDirectory(ws.crm, TOKEN),
                  ("HubSpot: Maria Kovács · Kovács Design Studio · tier platinum", "deal Studio cargo bikes",
                   "open ticket: ticket Delivery address change"),
                  lambda: sorted(n["properties"]["rejoinder_key"] for n in hub.notes_on(maria)))


async def salesforce_vendor(sf, tmp_path) -> Vendor:
    from integrations.crm.salesforce import SalesforceDirectory
    from integrations.crm.salesforce.auth import TimeoutSession
    from tests.crm.salesforce_setup import SECRETS
    from tests.crm.test_salesforce_loop import crm_yaml

    maria = seed_demo_salesforce(sf)

    def build(ws):
        session = TimeoutSession(5)
        session.verify = str(sf.cert)
        return SalesforceDirectory(ws.crm, SECRETS, session=session)
    return Vendor(crm_yaml(sf.url), build,
                  ("Salesforce: Maria Kovács · Kovács Design Studio · tier platinum",
                   "opportunity Studio cargo bikes", "Delivery address change"),
                  lambda: sorted(t["Rejoinder_Key__c"] for t in sf.tasks_on(maria)))


@pytest.fixture(params=["hubspot", "salesforce"])
async def vendor(request, tmp_path, hub):
    if request.param == "hubspot":
        yield await hubspot_vendor(hub, tmp_path)
        return
    from tests.emulators.salesforce import SalesforceEmulator
    from tests.emulators.tls import self_signed

    cert, context = self_signed(tmp_path)
    sf = await SalesforceEmulator(context).start()
    sf.cert = cert
    try:
        yield await salesforce_vendor(sf, tmp_path)
    finally:
        await sf.close()


async def test_demo_customer_card_and_exactly_one_note_each(tmp_path, vendor):
    text = demo.path("workspace.yaml").read_text(encoding="utf-8") + "\n" + vendor.yaml
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
                  Crm(ws, db, clock, vendor.directory(ws)))
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
        for line in vendor.shown:
            assert line in shown, shown
        for user, name in ((SAM, "draft"), (DANA, "approve")):
            outcome = await app.dispatcher.run(Command(name, "", user, case_id=result.case_id))
            assert outcome.ok, outcome.text
            await drain()
        [reply] = read_replies(replies)
        assert vendor.keys() == [f"crm:mention:x:{first.external_id}", f"crm:reply:{result.case_id}:{reply['external_id']}"]
        await drain()  # running the workers again writes nothing more
        assert len(vendor.keys()) == 2
    finally:
        await db.close()
