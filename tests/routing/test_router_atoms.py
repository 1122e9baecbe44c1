import pytest

from bot.routing import Router
from tests.routing.helpers import first, route_text, routes


@pytest.mark.parametrize("text, fires", [
    ("I want a refund", True),
    ("REFUND now!", True),
    ("(refund)", True),
    ("refund😡", True),
    ("I was refunded already", False),
    ("prerefund offer", False),
    ("refund_policy", False),
])
def test_keyword_is_whole_word_and_caseless(text, fires):
    assert (first({"keyword": "refund"}, text) is not None) is fires


def test_keyword_list_and_phrase_across_spaces():
    assert first({"keyword": ["broken", "cracked"]}, "the frame is CRACKED").matched == ("cracked",)
    assert first({"phrase": "money back"}, "I want my money\n\n  back!") is not None
    assert first({"phrase": "money back"}, "money backpack for sale") is None
    assert first({"phrase": "money back"}, "money, back") is None
    assert first({"keyword": "log in"}, "can't log in today") is not None


@pytest.mark.parametrize("text, fires", [
    ("love my #Acme bike", True),
    ("#ACME!", True),
    ("#acmecorp rocks", False),
    ("foo#acme", False),
    ("acme without a hash", False),
])
def test_hashtag(text, fires):
    assert (first({"hashtag": "#acme"}, text) is not None) is fires


@pytest.mark.parametrize("text, fires", [
    ("@Acme where is my order", True),
    ("thanks @acme.", True),
    ("cc @acme_support", False),
    ("@acme.bsky.social hi", False),
    ("@acme@mastodon.social hi", False),
    ("write to me@acme.com", False),
    ("acme without an at", False),
])
def test_handle_in_text(text, fires):
    assert (first({"handle": "acme"}, text) is not None) is fires


def test_handle_with_dots_and_author_handle():
    assert first({"handle": "acme.bsky.social"}, "@acme.bsky.social hi").matched == ("@acme.bsky.social",)
    # The author's own handle counts, case-insensitive and with or without "@".
    assert first({"handle": "@acme"}, "new colours are out", handle="ACME").matched == ("@acme",)
    assert first({"handle": "acme"}, "new colours are out", handle="@acme") is not None
    assert first({"handle": "acme"}, "new colours are out", handle="acme2") is None


def test_regex_with_hyperscan():
    router = Router(routes({"regex": r"order\s*#?\d{5,}"}))
    assert router.warnings == []
    assert route_text(router, "ORDER #123456 missing").matched == (r"order\s*#?\d{5,}",)
    assert route_text(router, "order 12") is None


def test_regex_falls_back_to_python_and_says_so():
    router = Router(routes({"regex": r"refund(?! policy)"}, {"regex": r"(\w)\1\1"}, {"regex": r"x{,2}y"}))
    assert len(router.warnings) == 3
    for name, pattern in [("r0", "refund(?! policy)"), ("r1", r"(\w)\1\1"), ("r2", "x{,2}y")]:
        (warning,) = [w for w in router.warnings if repr(pattern) in w]
        assert f"route {name!r}" in warning and "Python re" in warning
    assert route_text(router, "refund please").route == "r0"
    assert route_text(router, "refund policy sooo bad").route == "r1"
    assert route_text(router, "xxy").route == "r2"  # Python meaning of {,2}


def test_language_sentiment_followers_network_flag():
    assert first({"language": "de"}, "hallo", lang="de-AT") is not None
    assert first({"language": ["fr", "es"]}, "Mi pedido no ha llegado y nadie responde") is not None
    assert first({"language": "fr"}, "My order never arrived and nobody answers") is None
    assert first({"sentiment": {"max": -0.3}}, "This is terrible, I hate it") is not None
    assert first({"sentiment": {"min": 0.5}}, "This is terrible, I hate it") is None
    assert first({"min_followers": 1000}, "hi", followers=1000) is not None
    assert first({"min_followers": 1000}, "hi", followers=999) is None
    assert first({"network": ["bluesky", "mastodon"]}, "hi", network="bluesky") is not None
    assert first({"network": "reddit"}, "hi", network="x") is None
    assert first({"flag": "legal_threat"}, "my lawyer is on it") is not None
    assert first({"flag": ["safety", "legal_threat"]}, "lovely day") is None


def test_all_any_not():
    expr = {"all": [
        {"any": [{"keyword": "refund"}, {"phrase": "money back"}]},
        {"not": {"keyword": "thanks"}},
        {"network": "x"},
    ]}
    assert first(expr, "I want my money back") is not None
    assert first(expr, "got my money back, thanks") is None
    assert first(expr, "I want my money back", network="reddit") is None
    assert first(expr, "I want a replacement") is None
    # A route made only of `not` matches posts without the word.
    assert first({"not": {"keyword": "spam"}}, "hello") is not None
    assert first({"not": {"keyword": "spam"}}, "buy spam") is None


def test_any_mixing_text_and_attributes_needs_no_text_hit():
    expr = {"any": [{"keyword": "refund"}, {"min_followers": 50_000}]}
    assert first(expr, "nice weather", followers=60_000) is not None
    assert first(expr, "nice weather", followers=10) is None
    assert first(expr, "refund", followers=10) is not None


def test_unicode_terms():
    assert first({"keyword": "café"}, "Best CAFE\u0301 in town") is not None  # decomposed accent
    assert first({"keyword": "café"}, "best cafe in town") is None
    assert first({"keyword": "straße"}, "STRASSE gesperrt") is not None  # full case folding
    assert first({"keyword": "退款"}, "我要退款了") is not None  # no spaces in Chinese
    assert first({"keyword": "iphone"}, "我的iPhone坏了") is not None  # Latin word inside Chinese text
    assert first({"keyword": "ref\u200bund"}, "refund") is not None  # invisible characters in the config
    assert first({"keyword": "naïve"}, "so naïve!") is not None


def test_term_empty_after_normalization_is_ignored_with_a_warning():
    router = Router(routes({"keyword": ["\u200b", "ok"]}))
    assert router.warnings and "empty" in router.warnings[0]
    assert route_text(router, "ok then").route == "r0"
