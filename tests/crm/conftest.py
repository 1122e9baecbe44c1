"""A seeded local HubSpot, and the connector pointed at it."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.config.crm import HubSpotCrm
from integrations.crm.hubspot import HubSpotDirectory
from tests.emulators.hubspot import HubSpotEmulator

TOKEN = "pat-na1-test"


@dataclass
class Seeded:
    hub: HubSpotEmulator
    maria: str  # contact ids
    jon: str
    company: str


def seed(hub: HubSpotEmulator) -> Seeded:
    hub.define("contacts", "twitterhandle")
    hub.define("contacts", "bluesky_handle")
    hub.define("notes", "rejoinder_key", unique=True)
    hub.define("tickets", "rejoinder_key", unique=True)
    owner = hub.add_owner("Olga", "Novak", "olga@acme.example")
    company = hub.add("companies", name="Kowalski Cycles", tier="gold")
    maria = hub.add("contacts", firstname="Maria", lastname="Kowalski", email="maria@example.com",
                    twitterhandle="@Maria", associatedcompanyid=company, hubspot_owner_id=owner, total_revenue="12400")
    jon = hub.add("contacts", firstname="Jon", lastname="Berg", email="jon@example.com")
    hub.associate("contacts", maria, "companies", company, 279)
    for name, amount, stage, closed, when in (("Fleet renewal", 5400, "contractsent", "false", "2026-12-01"),
                                              ("Spring order", 2100, "closedwon", "true", "2026-04-02"),
                                              ("Service plan", 900, "appointmentscheduled", "false", "2026-11-15")):
        deal = hub.add("deals", dealname=name, amount=amount, dealstage=stage, hs_is_closed=closed, closedate=when,
                       deal_currency_code="EUR")
        hub.associate("contacts", maria, "deals", deal, 4)
    open_ticket = hub.add("tickets", subject="Brake recall question", hs_pipeline_stage="1", createdate="2026-11-10")
    closed_ticket = hub.add("tickets", subject="Invoice copy", hs_pipeline_stage="4", createdate="2026-09-01",
                            closed_date="2026-09-02")
    for ticket in (open_ticket, closed_ticket):
        hub.associate("contacts", maria, "tickets", ticket, 15)
    return Seeded(hub, maria, jon, company)


def hubspot_section(url: str) -> str:
    """The `crm:` lines of a workspace file pointing at the local HubSpot (token in HUBSPOT_TOKEN)."""
    return f"crm: {{type: hubspot, token_env: HUBSPOT_TOKEN, base_url: '{url}', handle_fields: {{x: twitterhandle}}}}\n"


def hubspot_config(url: str, **extra) -> HubSpotCrm:
    return HubSpotCrm.model_validate({"type": "hubspot", "token_env": "HUBSPOT_TOKEN", "base_url": url,
                                      "handle_fields": {"x": "twitterhandle", "bluesky": "bluesky_handle"},
                                      "timeout_s": 5, **extra})


@pytest.fixture
async def hub() -> AsyncIterator[HubSpotEmulator]:
    emulator = await HubSpotEmulator(token=TOKEN).start()
    yield emulator
    await emulator.close()
    assert emulator.violations == [], "requests that do not follow HubSpot's spec"


@pytest.fixture
def seeded(hub: HubSpotEmulator) -> Seeded:
    return seed(hub)


@pytest.fixture
def directory(hub: HubSpotEmulator, seeded: Seeded) -> HubSpotDirectory:
    return HubSpotDirectory(hubspot_config(hub.url), TOKEN)
