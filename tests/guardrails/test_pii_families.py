"""Personal data beyond the simple shapes: libphonenumber for phones, cards
and addresses in many forms, and numbers that must stay allowed."""
from __future__ import annotations

import pytest

from bot.guardrails import pii
from tests.guardrails.sample import only


@pytest.mark.parametrize("text", [
    "Ruf an: 030 12345678", "Appelez le 01 42 68 53 00", "WhatsApp +55 11 91234 5678", "Tel. +81 3-1234-5678",
    "Call (020) 7946 0958", "mobile 0412 345 678", "+1.212.555.0143",
])
def test_phone_numbers_in_many_countries_block(guard, text):
    assert any("phone number" in f.reason for f in only(guard.check(text, "x"), "pii")), text


@pytest.mark.parametrize("text", [
    "Your order #5552345678 shipped", "Ticket no. 4821337902 is closed", "Tracking 9400 1000 0000 0000 0000 00",
    "Flight BA0117 on 2026-12-05", "Version 10.2.3.4567", "Between 09:00-17:30", "Costs $1,299,000",
    "Invoice INV-2026-004512", "Booking ref 8801234567", "see https://acme.com/track?id=5552345678",
])
def test_reference_numbers_are_not_personal_data(guard, text):
    assert only(guard.check(text, "x"), "pii") == [], text


def test_finding_masks_what_was_written_and_stays_short(guard):
    text = " ".join(f"call 415-867-{5300 + i}" for i in range(40))
    reason = only(guard.check(text, "reddit"), "pii")[0].reason
    assert reason.count("•") > 0 and "and more" in reason and "415-867" not in reason


def test_items_point_at_the_original_text():
    text = "Mail: ｍａｒｔａ＠ｅｘａｍｐｌｅ．ｏｒｇ, card 4000\u200b0566\u200b5566\u200b5556."
    items = pii.scan(text)
    assert [i.kind for i in items] == ["email", "card"]
    assert text[items[0].start:items[0].end] == "ｍａｒｔａ＠ｅｘａｍｐｌｅ．ｏｒｇ"
    assert text[items[1].start:items[1].end] == "4000\u200b0566\u200b5566\u200b5556"


def test_site_addresses_in_prose_are_not_emails(guard):
    assert only(guard.check("Find us at acme.com or at our store.", "x"), "pii") == []
    assert only(guard.check("We're at the airport dot com desk", "x"), "pii") == []


@pytest.mark.parametrize("text", [
    "During 2025 we moved stores.", "Offering 20% off today", "Reach us via Twitter 24/7",
    "Via WhatsApp 7 days a week", "Your Order ID 48213 is ready", "Spring 2026 collection is out",
    "The Brigade 2 kit ships soon", "Gate 12 at Terminal 5", "Place 3 orders and save",
])
def test_words_that_look_like_street_parts_are_not_addresses(guard, text):
    assert not any("street address" in f.reason for f in only(guard.check(text, "x"), "pii")), text


@pytest.mark.parametrize("text", [
    "Thanks for waiting @JoSmith. Next time DM us", "we asked @AcmeHelp .  App is updated", "see you @ noon. Is that ok",
    "Incident: 260105-000123 is open", "Bag tag numbers 0016 964012, 0016 964077", "RES # 0167560070877",
    "sorry, that was terrible.no one should wait that long", "glad you landed.you deserve a rest",
])
def test_mentions_sentences_and_references_are_not_personal_data_or_links(guard, text):
    assert [f.rule for f in guard.check(text, "x") if f.severity == "block"] == [], text
