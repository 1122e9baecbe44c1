"""The canonical form: what it removes and folds, and that every span maps
back to the text as written."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.guardrails.canonical import INVISIBLE, canonical, skeleton


def test_nfkc_and_invisible_characters():
    canon = canonical("ｒｅｆ\u200bｕｎｄ\u00ad ﬁne\u202e café\ufe0f")
    assert canon.clean.text == "refund fine café"
    for char in "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202e\u2066\u2069\ufe0f\U000e0101\U000e0041":
        assert char in INVISIBLE


def test_lookalike_letters_fold_to_latin():
    canon = canonical("Сһаrgе вack")  # Cyrillic and Cyrillic-like letters
    assert canon.folded.text == "charge back"
    assert canonical("Pаypal").letters == "Paypal"  # case kept, same length as clean
    assert skeleton("аcme.com") == skeleton("acme.com") and skeleton("acrne.com") == skeleton("acme.com")


def test_accents_drop_in_the_folded_view_only():
    canon = canonical("Ŕéfund")
    assert canon.folded.text == "refund" and canon.clean.text == "Ŕéfund"


def test_spans_quote_the_original():
    text = "Our ref\u200bund pol\u00adicy: ｆｕｌｌ"
    canon = canonical(text)
    at = canon.clean.text.index("refund")
    assert canon.clean.quote(at, at + 6) == "ref\u200bund"
    at = canon.folded.text.index("full")
    assert canon.folded.quote(at, at + 4) == "ｆｕｌｌ"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_every_span_lies_inside_the_original(text):
    canon = canonical(text)
    for view in (canon.clean, canon.folded):
        n = len(view.text)
        assert view.span(0, n) == (0, len(text)) or n == 0 or view.span(0, n)[1] <= len(text)
        for i in range(0, n, max(1, n // 7)):
            a, b = view.span(i, min(n, i + 3))
            assert 0 <= a <= b <= len(text)
    assert len(canon.letters) == len(canon.clean.text)
