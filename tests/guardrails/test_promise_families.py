"""Promises recognised by meaning, one test per paraphrase family. The
paraphrases are not the development set's (bench/data/guardrails)."""
from __future__ import annotations

import pytest

from bot.config.workspace import Guidelines
from bot.guardrails import Guardrails
from tests.guardrails.sample import only

FAMILIES = {
    "promises a refund": [
        'Your money is on its way back to you.',
        "We've sent the $40 back to your card.",
        'Expect the funds back within a week.',
        'The difference has been paid back to you.',
        "We've reversed the duplicate transaction.",
        "We'll return the $89 to your PayPal.",
        "You'll get your money back, no questions asked.",
        "We're giving you back the full payment.",
        "I've asked finance to pay you back today.",
        "The duplicate charge has been reversed.",
        "We will be crediting the cost back to your card.",
        "Every penny back, promise.",
        "We'll reimburse the hotel night.",
        "Your deposit will be returned in full.",
        "Consider the charge reversed.",
        "That payment is now refunded.",
    ],
    "promises compensation": [
        'Enjoy 500 bonus points on us.',
        "We've added 1,000 miles to your account.",
        'Please accept this $20 credit.',
        "We'll make it worth your while.",
        "We've credited $15 to your account for the trouble.",
        'Your next two deliveries are free.',
        "We'll comp your meal.",
        "This one's on us.",
        "Your coffee is on the house next time.",
        "Let us make it up to you.",
        "We've added a goodwill gesture to your account.",
        "Here's a voucher for your next stay.",
        "A complimentary upgrade is waiting for you.",
        "We'll pick up the bill for the taxi.",
        "Your next box won't cost you a penny.",
        "We've added a $25 credit to your account.",
        "We'll make this right for you.",
        "You'll receive a full credit on your next bill.",
        "Your next month is free.",
        "We've put a credit towards your next order.",
    ],
    "promises to waive a fee": [
        "We've zeroed out the late fee.",
        'No charge for the change this time.',
        "We've taken the fee off your bill.",
        "We've dropped the change fee for you.",
        "You won't pay the cancellation fee.",
        'That late fee is gone.',
        "The rebooking fee won't apply.",
        "You're exempt from the cancellation fee.",
        "We won't bill you for the extra bag.",
        "We'll waive the fee.",
        "We are waiving the late charge this time.",
        "The overdraft fees have been written off.",
        "We're removing the cancellation fee from your bill.",
        "You won't be charged for the rebooking.",
        "Don't worry, we will not charge you for it.",
    ],
    "promises a replacement": [
        "We've shipped another pair.",
        'A fresh batch is on its way to you.',
        "We'll get a brand new unit out to you.",
        "A replacement kettle ships today.",
        "We're sending a fresh box your way.",
        "We can swap it out for a working one.",
        "We'll reship the missing items.",
        "You qualify for a free exchange.",
    ],
    "promises a delivery date": [
        'Your order is scheduled to arrive on Friday.',
        "It'll arrive by Wednesday.",
        "You will have the parcel by the weekend.",
        "We guarantee it lands on the 3rd.",
        "The courier should deliver it tomorrow.",
        "Expect your order within 3 business days.",
    ],
    "admits fault": [
        'We really messed this one up.',
        "We're the ones who got this wrong.",
        'Apologies, the mistake is ours.',
        'We got this one wrong, sorry.',
        'That was a blunder on our side.',
        "That one is our mistake.",
        "We screwed up, plain and simple.",
        "We've made an error with your booking.",
        "That was entirely on us.",
        "We take full responsibility.",
        "The blame lies with us.",
        "That was a mistake on our part.",
        "Our driver clearly damaged your gate.",
    ],
    "admits liability": [
        "We'll be covering the cost of the repairs.",
        "We accept liability.",
        "We are liable for the damage to your bike.",
        "We're responsible for the loss of your luggage.",
        "We'll pay for the repair of your phone.",
        "We will cover all damages.",
    ],
}


SAME_MEANING = {"promises a refund": ("promises a reimbursement",), "promises a delivery date": ("gives a guarantee",)}


@pytest.fixture(scope="module")
def guard() -> Guardrails:
    return Guardrails(Guidelines())


@pytest.mark.parametrize("label, text", [(label, text) for label, texts in FAMILIES.items() for text in texts])
def test_each_paraphrase_warns_with_its_family(guard, label, text):
    found = only(guard.check(text, "x"), "promise")
    assert [f.severity for f in found] == ["warn"], text
    # The guidelines' own stems name some promises in their words ("gives a guarantee").
    said = found[0].reason.lower()
    assert any(name in said for name in (label, *SAME_MEANING.get(label, ()))), said
    assert found[0].reason.endswith("policy needs an approver to confirm this is allowed.")


@pytest.mark.parametrize("text", [
    "We'll get back to you within 24 hours.",
    "Your order shipped today.",
    "Please send us a DM with your order number.",
    "Thanks for your patience while we look into it.",
    "Our store opens at 9am on Monday.",
    "Could you tell us when it arrived?",
    "Sorry for the trouble, Sam.",
    "Rely on us for updates here.",
])
def test_ordinary_support_replies_promise_nothing(guard, text):
    assert only(guard.check(text, "x"), "promise") == []


@pytest.mark.parametrize("text", [
    "We'll wa\u200bive the fee.",  # zero-width space
    "This one's on uѕ.",  # Cyrillic ѕ
    "You'll get your m0ney back.",
    "We'll w-a-i-v-e the fee.",
    "We accept l i a b i l i t y.",
    "You'll get your ｍｏｎｅｙ back.",
    "This one's on u s.",  # a two-letter word spaced out
    "It'll arrive on the 14tH.", "It'll arrive on the 147h.",  # an ordinal in mixed case, and in leetspeak
    "We'll r3fund you today.", "#RefundComing your way", "We ScReWeD uP",
])
def test_disguised_promises_are_still_found(guard, text):
    assert only(guard.check(text, "x"), "promise"), text


def test_the_finding_quotes_the_promise_as_written(guard):
    reason = only(guard.check("Honestly, this one's on u\u200bs!", "x"), "promise")[0].reason
    assert "(“one's on u\u200bs”)" in reason


def test_families_can_be_chosen_and_custom_stems_keep_their_meaning():
    only_fees = Guardrails(Guidelines(promise_families=["fee_waiver"]))
    assert only(only_fees.check("We'll waive the fee.", "x"), "promise")
    assert only(only_fees.check("This one's on us.", "x"), "promise") == []
    # A workspace that lists its own stems gets exactly those (see test_rules.py).
    custom = Guardrails(Guidelines(escalation_promises=["voucher"]))
    assert only(custom.check("This one's on us.", "x"), "promise") == []
