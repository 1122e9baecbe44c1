"""The card's CRM section as text and as Slack blocks, and the parsers that
take outside input: the link command, and handles quoted into SOQL."""
from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings, strategies as st
from simple_salesforce.format import format_soql

from bot.crm.links import parse
from bot.crm.profiles import profile_from_dict, profile_to_dict, redact
from bot.crm.view import crm_lines
from bot.types import CrmContact, CrmItem, CrmPanel, CrmProfile
from tests.emulators.salesforce_soql import parse as parse_soql

PROFILE = CrmProfile(
    contact=CrmContact("1", "Maria Kowalski", "maria@example.com", "9", "Kowalski Cycles"), tier="gold",
    lifetime_value=12400.0, open_pipeline=6300.0, currency="EUR",
    recent=(CrmItem("deal", "Fleet renewal", "contractsent", 5400.0, datetime(2026, 12, 1, tzinfo=timezone.utc)),),
    open_tickets=(CrmItem("ticket", "Brake recall", "1"),), owner="Olga Novak")


def test_each_status_reads_plainly():
    assert crm_lines(CrmPanel("hubspot", "pending")) == ["HubSpot: looking the author up…"]
    down = crm_lines(CrmPanel("salesforce", "unavailable", error="Salesforce answered 503"))
    assert down == ["Salesforce is not answering (Salesforce answered 503); this card fills in when it does"]
    stale = crm_lines(CrmPanel("hubspot", "unavailable", profile=PROFILE, error="timeout"))
    assert "showing what it said earlier" in stale[0] and stale[1].startswith("HubSpot: Maria Kowalski")
    none = crm_lines(CrmPanel("hubspot", "no_match", suggestions=(CrmContact("2", "Jon Berg", "jon@example.com"),)))
    assert none == ["HubSpot: no contact matches this author",
                    "  maybe Jon Berg <jon@example.com>: `link <handle> to jon@example.com`"]


def test_partner_view_drops_amounts_email_owner_and_suggestions():
    panel = redact(CrmPanel("hubspot", "ok", profile=PROFILE, suggestions=(PROFILE.contact,), matched_by="handle"))
    text = "\n".join(crm_lines(panel))
    assert "Maria · Kowalski Cycles · tier gold" in text and "Fleet renewal" in text
    for hidden in ("EUR", "12,400", "5,400", "Olga", "maria@example.com", "Kowalski ·"):
        assert hidden not in text


def test_slack_card_carries_the_section_as_plain_text():
    from integrations.chat.slack.blocks import _crm

    class CardStub:
        crm = CrmPanel("hubspot", "ok", profile=PROFILE)

    [block] = _crm(CardStub())
    assert block["text"]["type"] == "plain_text" and "Kowalski Cycles" in block["text"]["text"]


def test_profiles_survive_the_cache():
    assert profile_from_dict(profile_to_dict(PROFILE)) == PROFILE


handles = st.text(st.characters(blacklist_categories=("Cs", "Zs", "Cc"), blacklist_characters="@:"), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(handles, st.emails())
def test_link_arguments_parse_back(handle, email):
    req = parse(f"#12 @{handle} to {email}", None)
    assert req is not None and req.case_id == 12 and req.email == email
    assert req.handle == handle.strip().lstrip("@").casefold()
    assert parse(f"x:{handle}", 3).network == "x"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_handle_is_quoted_into_soql_as_data(handle):
    soql = format_soql("SELECT Id FROM Contact WHERE Twitter_Handle__c IN {} LIMIT 2", [handle, f"@{handle}"])
    query = parse_soql(soql)
    assert query.where == [("Twitter_Handle__c", [handle, f"@{handle}"])] and query.limit == 2
