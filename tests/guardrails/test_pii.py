from __future__ import annotations

import pytest

from bot.guardrails import pii
from tests.guardrails.sample import make_customer, only


@pytest.mark.parametrize("text, shown", [
    ("Email j.doe@example.com please", "j•••@example.com"),
    ("Write to support+team@mail.example.co.uk", "s•••@mail.example.co.uk"),
    ("Reach jane_o@sub.example.org.", "j•••@sub.example.org"),
    ("EMAIL: ABC@EXAMPLE.COM", "A•••@EXAMPLE.COM"),
    ("contact x@y.io or z@w.io", "x•••@y.io, z•••@w.io"),
])
def test_email_addresses_block(guard, text, shown):
    found = only(guard.check(text, "mastodon"), "pii")
    assert [f.severity for f in found] == ["block"]
    assert f"({shown})" in found[0].reason
    assert "@" not in found[0].reason.split("(")[1].split("@")[0]  # the local part is masked


@pytest.mark.parametrize("text, shown", [
    ("Call +44 20 7946 0958 today", "+•• •• •••• ••58"),
    ("Our line: (555) 234-5678", "(•••) •••-••78"),
    ("Ring 555.234.5678", "•••.•••.••78"),
    ("Dial 1-800-555-0199", "•-•••-•••-••99"),
    ("UK mobile 07700 900123", "••••• ••••23"),
    ("Call us on 555-0199", "•••-••99"),
    ("Text us at 5552345678", "••••••••78"),
    ("+33 (0)1 23 45 67 89", "+•• (•)• •• •• •• 89"),
])
def test_phone_numbers_block(guard, text, shown):
    found = only(guard.check(text, "mastodon"), "pii")
    assert len(found) == 1 and "phone number" in found[0].reason
    assert shown in found[0].reason


@pytest.mark.parametrize("text", [
    "Your order #12345 shipped", "Order #1234567 is on its way", "Back in 2023 and 2024", "It costs $1,299.99",
    "Only €49.90 today", "Opening hours 09:00-17:30", "On 2024-05-12 at 10:30", "Version 1.2.3456789",
    "Ticket 4821337 is closed", "Between 100-1000 units", "Tracking 1Z999AA10123456784",
])
def test_numbers_that_are_not_personal_data_pass(guard, text):
    assert only(guard.check(text, "mastodon"), "pii") == []


@pytest.mark.parametrize("text", [
    "Card 4111 1111 1111 1111 was declined", "card 4111-1111-1111-1111", "5500005555555559",
    "Amex 3782 822463 10005", "6011 0009 9013 9424",
])
def test_luhn_valid_card_numbers_block(guard, text):
    found = only(guard.check(text, "mastodon"), "pii")
    assert len(found) == 1 and "payment card" in found[0].reason
    assert "4111 1111" not in found[0].reason and "••••" in found[0].reason


@pytest.mark.parametrize("text", ["4111 1111 1111 1112", "1234 5678 9012 3456 7", "4111 1111 111"])
def test_card_shaped_numbers_that_fail_luhn_or_length_pass(guard, text):
    assert not any("card" in f.reason for f in only(guard.check(text, "mastodon"), "pii"))


@pytest.mark.parametrize("text, shown", [
    ("Send it to 221B Baker Street, London", "•••• Baker Street"),
    ("We are at 12 Main St. in town", "•• Main St."),
    ("1600 Pennsylvania Avenue NW", "•••• Pennsylvania Avenue"),
    ("Drop it at 350 5th Ave please", "••• 5th Ave"),
    ("Store moved to 4 Old Mill road", "• Old Mill road"),
])
def test_street_addresses_block(guard, text, shown):
    found = only(guard.check(text, "mastodon"), "pii")
    assert len(found) == 1 and f"street address ({shown})" in found[0].reason


@pytest.mark.parametrize("text", [
    "I have 2 dogs on the way", "We shipped 3 boxes to the right place", "Top 10 tips for your road trip",
    "Back in 5 minutes",
])
def test_sentences_with_numbers_are_not_addresses(guard, text):
    assert only(guard.check(text, "mastodon"), "pii") == []


@pytest.mark.parametrize("text", [
    "Is jo.smith@example.com right?", "Is JO.SMITH@Example.com right?", "jo dot smith at example dot com",
    "jo.smith [at] example [dot] com", "jo.smith (at) example.com",
])
def test_customer_email_in_any_spelling_blocks(guard, text):
    found = only(guard.check(text, "x", customer=make_customer()), "pii")
    assert len(found) == 1
    assert "customer's own email address (j•••@example.com)" in found[0].reason


@pytest.mark.parametrize("text", [
    "555 123 4567", "(555) 123-4567", "+1.555.123.4567", "15551234567", "is 123-4567 yours?",
])
def test_customer_phone_in_any_format_blocks(guard, text):
    found = only(guard.check(text, "x", customer=make_customer()), "pii")
    assert len(found) == 1 and "customer's own phone number" in found[0].reason


def test_customer_details_do_not_flag_other_text(guard):
    customer = make_customer()
    assert only(guard.check("Hi Jo, we sent the parcel today.", "x", customer=customer), "pii") == []
    assert only(guard.check("jo.smith is a nice name", "x", customer=customer), "pii") == []


def test_redacted_customer_details_are_ignored():
    customer = make_customer(email="j•••@example.com", phone="••• ••67")
    assert [i.kind for i in pii.scan("j@example.com", customer)] == ["email"]


def test_mastodon_handles_are_not_email_addresses(guard):
    assert only(guard.check("@jo@mastodon.social thanks!", "mastodon"), "pii") == []


def test_items_are_reported_once_and_in_order():
    items = pii.scan("Mail a@b.com, call +1 555 234 5678, card 4111111111111111, 10 Downing Street")
    assert [i.kind for i in items] == ["email", "phone", "card", "address"]
