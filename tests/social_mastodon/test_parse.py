"""Mastodon payload parsing and reply text rules, free of I/O."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mastodon.return_types import Status, try_cast_recurse

from bot.types import Mention
from integrations.social.common.feed_cursor import FeedCursor
from integrations.social.mastodon.parse import (
    BadPayload,
    TermMatcher,
    html_to_text,
    parse_notification,
    parse_status,
    reply_visibility,
    status_length,
    with_author_mention,
)
from tests.emulators.mastodon_content import render_content

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)

VALID = {
    "id": "110", "created_at": "2024-05-01T10:00:00.000Z", "in_reply_to_id": None, "visibility": "public",
    "language": "en", "url": "https://social.test/@maria/110", "spoiler_text": "", "reblog": None,
    "content": "<p>Hi <span class=\"h-card\"><a href=\"https://social.test/@tandem\" class=\"u-url mention\">"
               "@<span>tandem</span></a></span></p>",
    "account": {"id": "7", "acct": "maria", "display_name": "Maria", "followers_count": 3,
                "url": "https://social.test/@maria"},
}


def test_valid_status_as_plain_json_and_as_mastodon_py_types():
    for payload in (VALID, try_cast_recurse(Status, dict(VALID))):
        m = parse_status(payload, "test")
        assert (m.external_id, m.text, m.author.handle, m.author.followers) == ("110", "Hi @tandem", "maria", 3)
        assert m.created_at.isoformat() == "2024-05-01T10:00:00+00:00"


def test_html_becomes_readable_text():
    html = render_content("Hello @tandem &amp; #Bikes!\nline two\n\nsee https://example.com/" + "p" * 40,
                          "social.test", lambda u, d: {"url": f"https://social.test/@{u}", "username": u})
    assert html_to_text(html) == ("Hello @tandem &amp; #Bikes!\nline two\n\nsee https://example.com/" + "p" * 40)
    assert html_to_text("<p>a<script>alert(1)</script>b</p><p>&lt;c&gt;</p>") == "ab\n\n<c>"
    assert html_to_text("<p>ok &amp; x</p><![0 y>") == "ok & x"  # html.parser gives up on "<![0"


def test_content_warning_is_kept_in_front():
    m = parse_status({**VALID, "spoiler_text": "recall"}, "test")
    assert m.text == "CW: recall\n\nHi @tandem"


@pytest.mark.parametrize("field,value,words", [
    ("account", None, "account"), ("created_at", "yesterday", "created_at"), ("content", 5, "content"),
    ("id", "", "id"), ("account", {"acct": " "}, "account.acct")])
def test_bad_fields_are_named(field, value, words):
    with pytest.raises(BadPayload, match=words):
        parse_status({**VALID, field: value}, "mastodon test")


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_is_a_mention_or_a_bad_payload(data):
    for parse in (parse_status, parse_notification):
        try:
            parse(data, "fuzz")
        except BadPayload as exc:
            assert str(exc).startswith("fuzz")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(VALID) + ["account.acct", "account.followers_count", "account.url"]), JSON)
def test_a_valid_status_with_one_field_changed_never_crashes(field, value):
    data = {**VALID, "account": dict(VALID["account"])}
    if field.startswith("account."):
        data["account"][field.split(".")[1]] = value
    else:
        data[field] = value
    try:
        assert isinstance(parse_status(data, "fuzz"), Mention)
    except BadPayload:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_html_gives_text(html):
    assert isinstance(html_to_text(html), str)


def test_length_counts_links_as_23_and_remote_mentions_without_domain():
    assert status_length("see https://example.com/" + "x" * 100) == 4 + 23
    assert status_length("@olek@other.test hi") == len("@olek hi")
    assert status_length("e\u0301" * 10) == 10  # graphemes


def test_author_mention_and_visibility_rules():
    assert with_author_mention("Thanks!", "maria") == "@maria Thanks!"
    assert with_author_mention("Thanks @Maria.", "maria") == "Thanks @Maria."
    assert with_author_mention("Thanks @maria@other.test", "maria") == "@maria Thanks @maria@other.test"
    assert with_author_mention("Hi @olek@other.test", "olek@other.test") == "Hi @olek@other.test"
    assert with_author_mention("Hi @olek", "olek@other.test") == "@olek@other.test Hi @olek"
    assert [reply_visibility(v) for v in ("public", "unlisted", "private", "direct", "limited", None)] == [
        "public", "unlisted", "private", "direct", "direct", "direct"]


def test_terms_match_whole_words():
    terms = TermMatcher(["Zephyr", "quokka gear"])
    assert terms.find("my ZEPHYR and Quokka Gear") == ["quokka gear", "zephyr"]
    assert terms.find("zephyrs and quokkagear") == []
    assert not TermMatcher([" "])


def test_cursor_round_trip_and_bad_cursor_named():
    cursor = FeedCursor.load('{"mentions": "100001", "gone": "5"}', "masto", ["mentions", "home"])
    assert cursor.advance("mentions", "99999") is False and cursor.advance("mentions", "100002") is True
    assert cursor.dump() == '{"mentions":"100002"}'
    assert FeedCursor.load("4242", "masto", ["mentions"]).get("mentions") == "4242"
    with pytest.raises(ValueError, match="source 'masto': saved cursor"):
        FeedCursor.load("[1, 2]", "masto", ["mentions"])
