"""Word-boundary matching checked against a plain regular expression on
random Latin text with punctuation, accents, emoji and invisible characters
(accented and Greek letters continue a word, as Python's `\\w` says)."""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intake.normalize import normalize
from bot.routing import Router
from tests.routing.helpers import route_text, routes

TERMS = ["re", "refund", "café", "money back", "x1"]
TOKENS = TERMS + ["refunded", "prerefund", "cafés", "back", "money", "x12", "😡", "REFUND", "Café", "CAFÉ",
                  "é", "ß", "Ω", "ü"]
SEPARATORS = [" ", "  ", ", ", ".", "-", "_", "#", "@", "\u200b", "\n", "!", "'"]
ROUTER = Router(routes(*({"keyword": term} for term in TERMS)))


def expected(text: str) -> str | None:
    for i, term in enumerate(TERMS):
        if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", normalize(text), re.IGNORECASE):
            return f"r{i}"
    return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)), max_size=8))
def test_keyword_hits_agree_with_a_regex(parts):
    text = "".join(token + sep for token, sep in parts)
    got = route_text(ROUTER, text)
    assert (got.route if got else None) == expected(text)
