"""The brand's own contacts (organisation.contacts) and each network's own
links are what support replies share: they never block."""
from __future__ import annotations

import pytest

from bot.config.loader import parse_workspace, starter_text
from bot.config.workspace import Contacts, Guidelines
from bot.guardrails import Guardrails
from tests.guardrails.sample import only

CONTACTS = Contacts(phones=["+1 800 555 0199", "020 3868 0000"], emails=["help@acme.com"],
                    domains=["acme.com", "acme-status.io"], region="GB",
                    addresses=["221B Baker Street, London NW1 6XE", "350 Fifth Avenue, Suite 300, New York, NY 10118"])


@pytest.fixture
def brand() -> Guardrails:
    return Guardrails(Guidelines(link_allowlist=["acme.com"]), {"x": "acme", "mastodon": "@acme@social.acme.dev"},
                      contacts=CONTACTS)


@pytest.mark.parametrize("text", [
    "Call us on 1-800-555-0199, any time.", "Our hotline: (800) 555 0199", "UK: +44 20 3868 0000",
    "Email help@acme.com", "Email help at acme dot com", "Status: https://acme-status.io/x",
    "Write to billing@acme.com", "See docs.acme.com/returns",
    "Our shop: 221B Baker St, London NW1 6XE", "Returns go to 350 Fifth Ave, Suite 300, NY 10118",
    "Visit us at 221b baker stre\u200bet",
])
def test_declared_contacts_pass(brand, text):
    assert [f for f in brand.check(text, "x") if f.severity == "block"] == []


def test_the_same_shapes_block_when_they_are_not_ours(brand):
    assert only(brand.check("Call 1-800-555-0142", "x"), "pii")
    assert only(brand.check("Email help@acme-refunds.com", "x"), "pii")
    assert only(brand.check("See https://acme-refunds.com/x", "x"), "links")
    assert only(brand.check("We'll send it to 12 Baker Street", "x"), "pii")
    # Our building, someone's flat in it: a home address.
    assert only(brand.check("Is that 221B Baker Street, Flat 2?", "x"), "pii")
    assert only(brand.check("Shipped to 350 Fifth Avenue Apt 4, Brooklyn", "x"), "pii")


@pytest.mark.parametrize("text", [
    "DM us: https://t.co/AbC123xYz", "https://twitter.com/messages/compose?recipient_id=783214",
    "https://x.com/messages/compose?recipient_id=783214", "Updates: https://bsky.app/profile/acme.bsky.social",
    "Follow https://social.acme.dev/@acme",
])
def test_each_networks_own_short_and_dm_links_pass_by_default(brand, text):
    assert only(brand.check(text, "x"), "links") == []
    assert only(brand.check(text, "x"), "pii") == []  # the recipient id is not a phone number


def test_other_x_pages_and_redirects_through_t_co_are_judged():
    guard = Guardrails(Guidelines())
    assert only(guard.check("https://x.com/someone/status/1", "x"), "links")
    assert only(guard.check("https://t.co/x?url=https://evil.example", "x"), "links")


def test_contacts_are_checked_with_file_positions():
    ws = parse_workspace(starter_text())
    assert ws.organisation.contacts.phones and ws.organisation.contacts.domains and ws.organisation.contacts.addresses
    for bad, field in [('phones: ["+1 800 555 0199"]', 'phones: ["12"]'), ("domains: [acme.com]", "domains: [acme]"),
                       ("emails: [help@acme.com]", "emails: [help]"),
                       ('addresses: ["500 Market Street, San Francisco, CA 94105"]', 'addresses: [" - "]')]:
        with pytest.raises(Exception) as caught:
            parse_workspace(starter_text().replace(bad, field), file="rejoinder.yaml")
        assert "rejoinder.yaml:" in str(caught.value) and "organisation.contacts" in str(caught.value)


def test_the_public_suffix_list_is_the_bundled_snapshot_never_fetched(monkeypatch):
    import socket

    from bot.guardrails import domains

    assert domains._EXTRACT.suffix_list_urls == () and not domains._EXTRACT._cache.enabled

    def no_network(*args, **kwargs):
        raise AssertionError("the guardrails tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    domains.parts.cache_clear()
    assert domains.parts("refund.support") == ("refund.support", "support")
    assert domains.parts("shop.acme.co.uk") == ("acme.co.uk", "co.uk")
