"""The Hyperscan pass: whole-word checks next to non-ASCII characters, text
that folding changes, regexes that must read the text as written, and terms
found only in the second pass."""
import pytest

from bot.routing import Router
from tests.routing.helpers import first, route_text, routes


@pytest.mark.parametrize("text, fires", [
    ("refundé", False),  # an accented letter continues the word
    ("érefund", False),
    ("refund\u0301 please", False),  # a combining mark continues it too
    ("refund退款", True),  # Chinese is written without spaces: any position is a boundary
    ("退款refund", True),
    ("«refund»", True),
    ("refund… again", True),
])
def test_keyword_next_to_non_ascii_characters(text, fires):
    assert (first({"keyword": "refund"}, text) is not None) is fires


@pytest.mark.parametrize("text, fires", [
    ("CAFÉ!", True),
    ("un café crème", True),
    ("cafés", False),
    ("cafébar", False),
    ("cafe", False),
])
def test_keyword_ending_in_a_non_ascii_letter(text, fires):
    assert (first({"keyword": "café"}, text) is not None) is fires


def test_cjk_terms_and_full_case_folding():
    assert first({"keyword": "退款"}, "abc退款了") is not None
    assert first({"keyword": "strasse"}, "Die Straße ist gesperrt") is not None
    assert first({"phrase": "grüße dich"}, "GRÜSSE DICH 👋") is not None


def test_terms_are_literal_text_not_patterns():
    assert first({"keyword": "a.b"}, "a.b works") is not None
    assert first({"keyword": "a.b"}, "axb works") is None
    assert first({"keyword": "c++"}, "I write C++ daily") is not None
    assert first({"hashtag": "(x)"}, "so #(x) it is") is not None
    assert first({"keyword": "50%"}, "got 50% off") is not None


@pytest.mark.parametrize("text, fires", [
    ("@acme-shop is a reseller", False),  # another account
    ("@acme@ hi", True),
    ("@acme- hi", True),
    ("hello @acmé", False),
    ("@acme👋", True),
])
def test_handle_edges(text, fires):
    assert (first({"handle": "acme"}, text) is not None) is fires


def test_regexes_read_the_text_as_written():
    # Folding turns "Straße" into "strasse": the regex must still see "ß".
    router = Router(routes({"regex": "straße"}))
    assert router.warnings == []
    assert route_text(router, "Die STRAßE ist gesperrt").matched == ("straße",)
    # A pattern that switches case-insensitivity off sees the original case.
    router = Router(routes({"regex": r"(?-i:\bDAN\b)"}, {"keyword": "refund"}))
    assert router.warnings == []
    assert route_text(router, "hello DAN, refund").route == "r0"
    assert route_text(router, "hello dan, refund").route == "r1"
    assert route_text(router, "hello Dan, refund").route == "r1"


def test_matched_order_counts_characters_not_bytes():
    # "é" takes two bytes: "refund" starts at byte 17 but character 9, the digits at character 16.
    router = Router(routes({"all": [{"regex": r"\d\d"}, {"keyword": "refund"}]}))
    assert route_text(router, "éééééééé refund 12").matched == ("refund", r"\d\d")
    assert route_text(router, "12 éééééééé refund").matched == (r"\d\d", "refund")


def test_terms_outside_the_triggers_are_still_found():
    # "help" is not what makes these routes candidates ("#acme" and "@acme" are rarer),
    # so it is looked for in a second pass, and only for mentions that need it.
    router = Router(routes(
        {"all": [{"hashtag": "acme"}, {"keyword": "help"}]},
        {"all": [{"handle": "acme"}, {"not": {"keyword": ["spam", "help"]}}]},
        {"keyword": "refund"},
    ))
    assert route_text(router, "need help with #acme").matched == ("help", "#acme")
    assert route_text(router, "#acme is great") is None
    assert route_text(router, "help please") is None
    assert route_text(router, "@acme hi").route == "r1"
    assert route_text(router, "@acme spam, refund").route == "r2"
    assert route_text(router, "@acme help") is None


def test_a_term_repeated_after_a_rejected_occurrence_is_found():
    router = Router(routes({"keyword": "late"}))
    assert route_text(router, "chocolate arrived late").matched == ("late",)
    assert route_text(router, "latest chocolate") is None


def test_only_negated_terms_still_work():
    router = Router(routes({"not": {"keyword": "spam"}}))
    assert route_text(router, "hello").route == "r0"
    assert route_text(router, "Spam!") is None
