"""The HubSpot connector through the official client against the local
HubSpot: lookups, the card's profile (paged associations), notes written
once, rate limits, outages and a wrong token."""
from __future__ import annotations

import pytest

from bot.ports import CrmUnavailable, Interaction
from integrations.crm.hubspot import HubSpotDirectory
from tests.crm.conftest import TOKEN, hubspot_config


def interaction(key: str = "crm:mention:x:1", event: str = "mention") -> Interaction:
    return Interaction(key=key, event=event, case_id=7, network="x", handle="maria", text="my order is broken <b>",
                       at="2026-11-20T09:00:00+00:00", url="https://x.example/maria/1")


async def test_finds_a_contact_by_handle_field_with_or_without_at(directory, seeded):
    found = await directory.find_contact(network="x", handle="maria")
    assert found is not None and found.id == seeded.maria and found.name == "Maria Kowalski"
    assert found.company_id == seeded.company
    assert await directory.find_contact(network="bluesky", handle="maria") is None  # nobody has that field set
    assert await directory.find_contact(network="mastodon", handle="maria") is None  # no field mapped: no call
    by_email = await directory.find_contact(email="JON@example.com")
    assert by_email is not None and by_email.id == seeded.jon


async def test_profile_reads_company_deals_tickets_and_owner_across_pages(directory, seeded, hub):
    contact = await directory.find_contact(network="x", handle="maria")
    p = await directory.profile(contact)
    assert p.contact.company == "Kowalski Cycles" and p.tier == "gold" and p.owner == "Olga Novak"
    assert p.lifetime_value == 12400.0 and p.currency == "EUR"
    assert p.open_pipeline == 5400 + 900  # the won deal is closed
    assert [d.title for d in p.recent] == ["Fleet renewal", "Service plan", "Spring order"]  # newest first
    assert [t.title for t in p.open_tickets] == ["Brake recall question"]
    # Three deals with pages of two: the connector followed `after`.
    deal_pages = [c for c in hub.calls if c.path.endswith("/associations/deals")]
    assert len(deal_pages) == 2 and deal_pages[1].query.get("after") == "2"


async def test_suggests_by_name_and_by_email_in_the_conversation(directory, seeded):
    by_name = await directory.suggest("Maria Kowalski", [])
    assert [c.id for c in by_name] == [seeded.maria]
    by_email = await directory.suggest("someone", ["jon@example.com"])
    assert [c.id for c in by_email] == [seeded.jon]


async def test_a_note_is_written_once_on_contact_and_company(directory, seeded, hub):
    contact = await directory.find_contact(network="x", handle="maria")
    note_id = await directory.log_interaction(contact, interaction())
    assert await directory.find_interaction("crm:mention:x:1") == note_id
    assert await directory.find_interaction("crm:mention:x:2") is None
    again = await directory.log_interaction(contact, interaction())  # the unique key answers 409: the same note
    assert again == note_id and len(hub.objects["notes"]) == 1
    note = hub.objects["notes"][note_id]
    assert "&lt;b&gt;" in note["properties"]["hs_note_body"]  # the post is text, not HTML
    assert hub.associated("notes", note_id, "contacts") == [seeded.maria]
    assert hub.associated("notes", note_id, "companies") == [seeded.company]


async def test_a_429_with_retry_after_is_waited_out(directory, seeded, hub):
    hub.retry_after = "0.2"
    hub.fail_next("POST /crm/v3/objects/contacts/search", times=2, status=429)
    found = await directory.find_contact(network="x", handle="maria")
    assert found is not None
    statuses = [c.status for c in hub.calls_to("POST", "/crm/v3/objects/contacts/search")]
    assert statuses == [429, 429, 200]
    assert directory.pacer.paused_until > 0


async def test_a_long_rate_limit_hands_the_work_back(hub, seeded):
    hub.retry_after = "60"  # longer than a caller should wait inline: the outbox retries later
    hub.fail_next("POST /crm/v3/objects/contacts/search", times=1, status=429)
    d = HubSpotDirectory(hubspot_config(hub.url), TOKEN)
    with pytest.raises(CrmUnavailable) as raised:
        await d.find_contact(network="x", handle="maria")
    assert raised.value.retry_after is not None and raised.value.retry_after > 50


async def test_the_daily_limit_pauses_every_call_until_it_comes_back(hub, seeded):
    d = HubSpotDirectory(hubspot_config(hub.url), TOKEN)
    contact = await d.find_contact(network="x", handle="maria")
    hub.daily_left = 0
    with pytest.raises(CrmUnavailable) as raised:
        await d.log_interaction(contact, interaction())
    assert raised.value.retry_after is not None and raised.value.retry_after > 3000  # an hour, then look again
    asked = len(hub.calls)
    with pytest.raises(CrmUnavailable):  # paused on our side: HubSpot is not asked again meanwhile
        await d.log_interaction(contact, interaction())
    assert len(hub.calls) == asked and hub.objects["notes"] == {}


async def test_5xx_and_a_wrong_token_are_unavailable_not_crashes(directory, seeded, hub):
    hub.fail_next("POST /crm/v3/objects/contacts/search", times=1, status=503)
    with pytest.raises(CrmUnavailable, match="503"):
        await directory.find_contact(network="x", handle="maria")
    wrong = HubSpotDirectory(hubspot_config(hub.url), "pat-wrong")
    with pytest.raises(CrmUnavailable, match="token"):
        await wrong.find_contact(network="x", handle="maria")


async def test_check_names_missing_properties(hub, seeded):
    d = HubSpotDirectory(hubspot_config(hub.url, handle_fields={"x": "twitterhandle", "mastodon": "mastodon_handle"}), TOKEN)
    problems = await d.check()
    assert problems == ["contacts property 'mastodon_handle' does not exist (handle field for mastodon)"]
    wrong = HubSpotDirectory(hubspot_config(hub.url), "pat-wrong")
    [problem] = await wrong.check()
    assert "401" in problem and "crm.objects.contacts.write" in problem


async def test_tickets_open_once_and_close(hub, seeded):
    d = HubSpotDirectory(hubspot_config(hub.url, tickets={"routes": ["legal"]}), TOKEN)
    contact = await d.find_contact(network="x", handle="maria")
    ticket = await d.open_ticket(contact, "crm:ticket:7", "x @maria: broken", "my order is broken")
    assert await d.open_ticket(contact, "crm:ticket:7", "x @maria: broken", "again") == ticket
    assert await d.find_ticket("crm:ticket:7") == ticket
    await d.close_ticket(ticket)
    assert hub.objects["tickets"][ticket]["properties"]["hs_pipeline_stage"] == "4"
    assert hub.associated("tickets", ticket, "contacts") == [seeded.maria]


async def test_without_a_unique_key_property_the_lookup_falls_back_to_search(hub, seeded):
    hub.define("notes", "rejoinder_key", unique=False)
    d = HubSpotDirectory(hubspot_config(hub.url), TOKEN)
    contact = await d.find_contact(network="x", handle="maria")
    bsky = interaction(key="crm:mention:bluesky:at://did:plc:abc/app.bsky.feed.post/3k")
    note_id = await d.log_interaction(contact, bsky)
    assert await d.find_interaction(bsky.key) == note_id  # stored as a digest: safe in a URL
    assert hub.objects["notes"][note_id]["properties"]["rejoinder_key"].startswith("h:")
    statuses = [c.status for c in hub.calls if c.query.get("idProperty")]
    assert statuses == [400] and hub.calls_to("POST", "/crm/v3/objects/notes/search")


async def test_without_a_unique_key_property_a_lagging_search_cannot_double_a_note(directory, seeded, hub):
    hub.define("notes", "rejoinder_key", unique=False)  # reads by it are refused (400)
    hub.search_lag = 600.0  # as HubSpot documents: new objects reach search seconds later
    contact = await directory.find_contact(network="x", handle="maria")
    note_id = await directory.log_interaction(contact, interaction())
    assert await directory.find_interaction("crm:mention:x:1") is None  # search alone misses it
    assert await directory.find_interaction("crm:mention:x:1", contact) == note_id  # the contact's notes hold it
    assert await directory.find_interaction("crm:mention:x:2", contact) is None
