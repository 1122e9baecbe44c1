from __future__ import annotations

import re

import pytest

from bot.drafting import TemplateDrafter
from bot.drafting.template import VARIANTS, parse_library
from prompts import load_yaml
from tests.drafting.factories import CUSTOMER_EMAIL, CUSTOMER_PHONE, customer, make_request

LEAKS = re.compile(r"@[\w-]+\.\w|\d{6,}|[$€£]\s?\d|\d+[.,]\d{2}\b")
LIBRARY = load_yaml("replies.yaml")


@pytest.fixture(scope="module")
def drafter() -> TemplateDrafter:
    return TemplateDrafter(organisation="Acme")


def _entry(result) -> str:
    return re.match(r"Library entry '([\w-]+)'", result.rationale).group(1)


def _variant(result) -> str:
    return re.search(r"\((\w+) variant\)", result.rationale).group(1)


def test_library_is_complete_and_valid():
    entries = parse_library(LIBRARY, "prompts/replies.yaml")
    assert len(entries) >= 12
    for entry in entries:
        assert 2 <= len(entry.variants) <= 3, entry.name
        assert "normal" in entry.variants
    text = str(LIBRARY).lower()
    assert "we will refund" not in text and "refund you" not in text


@pytest.mark.parametrize(
    ("labels", "flags", "entry"),
    [
        (("outage",), set(), "outage"),
        (("delivery",), set(), "delivery"),
        (("Refund",), set(), "refund"),
        (("billing",), set(), "billing"),
        (("praise",), set(), "praise"),
        (("sales",), set(), "sales"),
        ((), {"question"}, "question"),
        ((), {"legal_threat"}, "legal"),
        (("press",), set(), "press"),
        (("delivery",), {"safety"}, "safety"),  # safety outranks the topic
        ((), {"injection_suspected"}, "injection"),
        (("something-unknown",), set(), "default"),
        ((), set(), "default"),
    ],
)
async def test_entry_is_picked_by_labels_and_flags(drafter, labels, flags, entry):
    result = await drafter.draft(make_request(labels=labels, flags=frozenset(flags)))
    assert _entry(result) == entry
    assert result.source == "template" and result.confidence == 0.5


async def test_placeholders_are_filled_from_the_newest_order_and_the_record_name(drafter):
    result = await drafter.draft(make_request(network="mastodon", length_limit=500))
    assert result.reply.startswith("Hi Jane,")
    assert "A-1002" in result.reply and "A-1001" not in result.reply
    assert "{" not in result.reply


async def test_without_a_customer_the_author_name_is_used_and_no_order_is_invented(drafter):
    result = await drafter.draft(make_request(customer=None, author_name="Priya Shah", network="mastodon", length_limit=500))
    assert result.reply.startswith("Hi Priya,")
    assert "order number" in result.reply  # the alternative that asks for it


async def test_a_display_name_that_is_not_a_name_falls_back_to_there(drafter):
    result = await drafter.draft(make_request(customer=None, author_name="🔥🔥 deals4u"))
    assert result.reply.startswith("Hi there,")


async def test_tier_and_org_placeholders():
    library = {"entries": [{"name": "default", "variants": {
        "normal": "Hi {first_name}, {org} thanks its {tier} members.", "short": "Hi {first_name}."}}]}
    result = await TemplateDrafter(library, organisation="Globex").draft(make_request(length_limit=500))
    assert result.reply == "Hi Jane, Globex thanks its gold members."


async def test_an_order_number_that_looks_like_a_phone_number_is_not_used(drafter):
    req = make_request(customer=customer(orders=("+4479460958",)), network="mastodon", length_limit=500)
    result = await drafter.draft(req)
    assert "4479460958" not in result.reply and "order number" in result.reply


async def test_x_gets_a_shorter_variant_than_mastodon(drafter):
    on_x = await drafter.draft(make_request(labels=("outage",), network="x", length_limit=280))
    on_mastodon = await drafter.draft(make_request(labels=("outage",), network="mastodon", length_limit=500))
    assert _variant(on_mastodon) == "normal" and len(on_mastodon.reply) > 280
    assert len(on_x.reply) <= 280 and _variant(on_x) != "normal"
    assert "longest variant within 280" in on_x.rationale


async def test_a_tiny_limit_trims_to_whole_sentences(drafter):
    result = await drafter.draft(make_request(labels=("praise",), length_limit=30))
    assert len(result.reply) <= 30
    assert result.reply.endswith((".", "!", "?", "…"))


async def test_redraft_shorter_picks_the_short_variant(drafter):
    first = await drafter.draft(make_request(network="mastodon", length_limit=500))
    again = await drafter.draft(make_request(network="mastodon", length_limit=500,
                                             instruction="Make it shorter please", previous_draft=first.reply))
    assert _variant(again) == "short" and len(again.reply) < len(first.reply)


async def test_redraft_warmer_picks_the_warm_variant(drafter):
    result = await drafter.draft(make_request(labels=("complaint",), instruction="warmer"))
    warm = LIBRARY["entries"][[e["name"] for e in LIBRARY["entries"]].index("complaint")]["variants"]["warm"]
    assert _variant(result) == "warm"
    assert result.reply == warm.format(first_name="Jane")


async def test_redraft_shorter_and_warmer_is_shorter_than_before(drafter):
    first = await drafter.draft(make_request(labels=("outage",), network="mastodon", length_limit=500))
    again = await drafter.draft(make_request(labels=("outage",), network="mastodon", length_limit=500,
                                             instruction="shorter and warmer", previous_draft=first.reply))
    assert _variant(again) == "warm" and len(again.reply) < len(first.reply)


async def test_an_unknown_instruction_moves_to_the_next_variant_deterministically(drafter):
    seen = []
    previous = None
    for _ in range(4):
        req = make_request(labels=("billing",), instruction="more pirate", previous_draft=previous)
        result = await drafter.draft(req)
        seen.append(_variant(result))
        previous = result.reply
    assert seen == ["short", "warm", "normal", "short"]
    assert "not understood" in result.rationale


async def test_legal_and_safety_need_escalation_and_others_do_not(drafter):
    assert (await drafter.draft(make_request(labels=("legal",)))).needs_escalation
    assert (await drafter.draft(make_request(labels=(), flags=frozenset({"safety"})))).needs_escalation
    assert (await drafter.draft(make_request(labels=("delivery",), flags=frozenset({"legal_threat"})))).needs_escalation
    assert (await drafter.draft(make_request(labels=("press",)))).needs_escalation
    assert not (await drafter.draft(make_request(labels=("delivery",)))).needs_escalation


@pytest.mark.parametrize("entry", [e["name"] for e in LIBRARY["entries"]])
@pytest.mark.parametrize("variant", VARIANTS)
async def test_no_contact_details_or_amounts_in_any_reply(drafter, entry, variant):
    raw = next(e for e in LIBRARY["entries"] if e["name"] == entry)
    req = make_request(labels=tuple(raw.get("labels") or ()), flags=frozenset(raw.get("flags") or ()),
                       instruction=None if variant == "normal" else variant, network="mastodon", length_limit=500)
    reply = (await drafter.draft(req)).reply
    assert CUSTOMER_EMAIL not in reply and CUSTOMER_PHONE not in reply
    assert not LEAKS.search(reply), reply
    assert len(reply) <= 500


def test_a_broken_library_names_the_entry_and_field():
    with pytest.raises(ValueError, match=r"entry 1 \('x'\): variant 'normal' uses unknown placeholder\(s\) email"):
        TemplateDrafter({"entries": [{"name": "x", "variants": {"normal": "Hi {email}"}}]})
    with pytest.raises(ValueError, match="catch-all entry"):
        TemplateDrafter({"entries": [{"name": "x", "labels": ["a"], "variants": {"normal": "Hi"}}]})
