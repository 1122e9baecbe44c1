"""The Salesforce connector through simple-salesforce against the local
Salesforce over HTTPS: OAuth (refresh token and JWT bearer), SOQL lookups
across pages, Tasks upserted once by External ID, an expired token renewed,
the API quota and 5xx."""
from __future__ import annotations

import pytest

from bot.ports import CrmUnavailable, Interaction
from tests.crm.salesforce_setup import directory, seed
from tests.emulators.salesforce import SalesforceEmulator
from tests.emulators.tls import self_signed


@pytest.fixture
async def sf(tmp_path):
    cert, context = self_signed(tmp_path)
    emulator = await SalesforceEmulator(context).start()
    emulator.cert = cert
    yield emulator
    await emulator.close()


def interaction(key="crm:mention:x:1", event="mention") -> Interaction:
    return Interaction(key=key, event=event, case_id=7, network="x", handle="maria", text="my order is broken",
                       at="2026-11-20T09:00:00+00:00", url="https://x.example/maria/1")


async def test_lookup_and_profile_across_pages(sf):
    seeded = seed(sf)
    d = directory(sf, sf.cert)
    contact = await d.find_contact(network="x", handle="maria")
    assert contact.id == seeded.maria and contact.company == "Kowalski Cycles"
    assert (await d.find_contact(email="MARIA@example.com")).id == seeded.maria
    assert await d.find_contact(network="bluesky", handle="maria") is None
    p = await d.profile(contact)
    assert p.tier == "Hot" and p.owner == "Olga Novak"
    assert p.open_pipeline == 6300.0 and p.lifetime_value == 2100.0  # won opportunities
    assert [o.title for o in p.recent] == ["Fleet renewal", "Service plan", "Spring order"]
    assert [c.title.split(" ", 1)[1] for c in p.open_tickets] == ["Brake recall question"]
    pages = [c for c in sf.calls if c.path.startswith("/services/data/v62.0/query/")]
    assert pages, "three opportunities with pages of two: the client followed nextRecordsUrl"


async def test_a_task_is_upserted_once_by_its_key(sf):
    seeded = seed(sf)
    d = directory(sf, sf.cert)
    contact = await d.find_contact(network="x", handle="maria")
    task = await d.log_interaction(contact, interaction())
    assert await d.find_interaction("crm:mention:x:1") == task
    assert await d.log_interaction(contact, interaction()) == task  # same key: updated in place, not doubled
    [t] = sf.tasks_on(seeded.maria)
    assert t["WhatId"] == seeded.account and t["Status"] == "Completed" and t["Rejoinder_Key__c"] == "crm:mention:x:1"
    bsky = interaction(key="crm:mention:bluesky:at://did:plc:abc/app.bsky.feed.post/3k")
    await d.log_interaction(contact, bsky)
    assert await d.find_interaction(bsky.key) is not None and len(sf.tasks_on(seeded.maria)) == 2


async def test_an_expired_token_is_renewed_and_the_call_repeated(sf):
    seed(sf)
    d = directory(sf, sf.cert)
    assert await d.find_contact(network="x", handle="maria") is not None
    sf.expire_tokens()
    assert await d.find_contact(network="x", handle="maria") is not None
    assert len(sf.calls_to("POST", "/services/oauth2/token")) == 2
    assert [c.status for c in sf.calls if c.path.rstrip("/").endswith("/query")][-2:] == [401, 200]


async def test_jwt_bearer_login(sf):
    seeded = seed(sf)
    secrets = {"client_id_env": "3MVG-test", "username_env": "integration@acme.example",
               "private_key_env": seeded.private_key}
    d = directory(sf, sf.cert, secrets, auth="jwt", username_env="SF_USER", private_key_env="SF_KEY")
    assert (await d.find_contact(network="x", handle="maria")).id == seeded.maria
    wrong = directory(sf, sf.cert, {**secrets, "username_env": "someone@else.example"}, auth="jwt",
                      username_env="SF_USER", private_key_env="SF_KEY")
    with pytest.raises(CrmUnavailable, match="invalid_grant"):
        await wrong.find_contact(network="x", handle="maria")


async def test_quota_exceeded_pauses_and_5xx_is_unavailable(sf):
    seed(sf)
    d = directory(sf, sf.cert)
    await d.find_contact(network="x", handle="maria")
    sf.fail_next("GET /services/data/v62.0/query", status=503)
    with pytest.raises(CrmUnavailable, match="503"):
        await d.find_contact(network="x", handle="maria")
    sf.fail_next("GET /services/data/v62.0/query", status=403)
    with pytest.raises(CrmUnavailable, match="REQUEST_LIMIT_EXCEEDED"):
        await d.find_contact(network="x", handle="maria")
    assert d.pacer.paused_for() > 3000
    calls = len(sf.calls)
    with pytest.raises(CrmUnavailable):  # paused: no call is even made
        await d.find_contact(network="x", handle="maria")
    assert len(sf.calls) == calls


async def test_api_usage_near_the_quota_slows_down(sf):
    seed(sf)
    d = directory(sf, sf.cert)
    sf.api_used, sf.api_total = 14_900, 15_000
    await d.find_contact(network="x", handle="maria")
    assert d.pacer.paused_for() > 30


async def test_cases_open_once_and_close_and_check_names_missing_fields(sf):
    seeded = seed(sf)
    d = directory(sf, sf.cert, tickets={"routes": ["legal"]})
    contact = await d.find_contact(network="x", handle="maria")
    case = await d.open_ticket(contact, "crm:ticket:7", "x @maria: broken", "my order is broken")
    assert await d.open_ticket(contact, "crm:ticket:7", "again", "again") == case
    await d.close_ticket(await d.find_ticket("crm:ticket:7"))
    assert sf.records["Case"][case]["Status"] == "Closed" and sf.records["Case"][case]["ContactId"] == seeded.maria
    assert await d.check() == []
    bad = directory(sf, sf.cert, handle_fields={"x": "Twitter_Handle__c", "bluesky": "Bluesky__c"}, key_field="Key__c")
    problems = await bad.check()
    assert "Contact field 'Bluesky__c' does not exist (handle field for bluesky)" in problems
    assert any(p.startswith("Task field 'Key__c' does not exist") for p in problems)
