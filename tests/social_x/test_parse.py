"""X payload parsing, the reply length rule and search queries, free of I/O."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.types import Mention
from integrations.social.x.network import rule_queries
from integrations.social.x.parse import (
    BadPayload,
    missing_tweet_ids,
    parse_page,
    parse_stream_line,
    parse_tweet,
    tweet_facts,
    users_of,
    weighted_length,
)

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=20)
USERS = {"7": {"id": "7", "username": "maria", "name": "Maria", "verified": True,
               "public_metrics": {"followers_count": 12}}}
TWEET = {"id": "1500", "text": "@tandem help", "author_id": "7", "created_at": "2024-05-01T10:00:00.000Z",
         "conversation_id": "1400", "lang": "en", "referenced_tweets": [{"type": "replied_to", "id": "1450"}]}


def test_valid_tweet():
    m = parse_tweet(TWEET, USERS, "test")
    assert (m.external_id, m.text, m.author.handle, m.author.followers, m.author.verified) == (
        "1500", "@tandem help", "maria", 12, True)
    assert (m.conversation_id, m.in_reply_to, m.lang) == ("1400", "1450", "en")
    assert m.url == "https://x.com/maria/status/1500"


def test_long_tweet_text_and_undetermined_language():
    m = parse_tweet({**TWEET, "note_tweet": {"text": "a" * 400}, "lang": "und"}, USERS, "test")
    assert (len(m.text), m.lang) == (400, None)


@pytest.mark.parametrize("change,words", [
    ({"author_id": "8"}, "not in includes.users"), ({"created_at": "soon"}, "created_at"),
    ({"text": None}, "text"), ({"id": "abc"}, "id")])
def test_bad_fields_are_named(change, words):
    with pytest.raises(BadPayload, match=words):
        parse_tweet({**TWEET, **change}, USERS, "x test")


@settings(max_examples=300, deadline=None)
@given(JSON, JSON)
def test_any_json_is_a_mention_or_a_bad_payload(tweet, body):
    try:
        parse_tweet(tweet, users_of(body), "fuzz")
    except BadPayload as exc:
        assert str(exc).startswith("fuzz")
    for parse in (parse_page, lambda b, p: parse_stream_line(json.dumps(b), p)):
        try:
            parse(body, "fuzz")
        except BadPayload as exc:
            assert str(exc).startswith("fuzz")
    assert isinstance(missing_tweet_ids(body), list)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(TWEET) + ["user.username", "user.public_metrics", "user.name"]), JSON)
def test_a_valid_tweet_with_one_field_changed_never_crashes(field, value):
    tweet, user = dict(TWEET), dict(USERS["7"])
    if field.startswith("user."):
        user[field[5:]] = value
    else:
        tweet[field] = value
    try:
        assert isinstance(parse_tweet(tweet, {"7": user}, "fuzz"), Mention)
    except BadPayload:
        pass


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=60))
def test_any_stream_bytes_parse_or_are_reported(raw):
    try:
        parse_stream_line(raw, "fuzz")
    except BadPayload as exc:
        assert str(exc).startswith("fuzz")


def test_weighted_length():
    assert weighted_length("hello") == 5
    assert weighted_length("see https://example.com/" + "x" * 100) == 4 + 23
    assert weighted_length("日本") == 4 and weighted_length("🔋👍🏽") == 4
    assert weighted_length("e\u0301") == 1  # one character once composed


def test_rules_become_few_search_queries_under_the_limit():
    assert rule_queries(["a b", "c"]) == ["(a b) OR (c)"]
    many = rule_queries([f"term{n:03d} -is:retweet" for n in range(40)])
    assert len(many) > 1 and all(len(q) <= 512 for q in many)
    assert sum(q.count("(") for q in many) == 40


def test_a_later_version_of_an_edited_tweet_is_the_original_post():
    history = {"edit_history_tweet_ids": ["1400", "1500"]}
    m = parse_tweet({**TWEET, **history, "conversation_id": "1500", "referenced_tweets": None}, USERS, "test")
    assert (m.external_id, m.conversation_id, m.url) == ("1400", "1400", "https://x.com/maria/status/1400")
    assert m.reply_ref == {"author_id": "7", "reply_to_id": "1500"}
    assert tweet_facts({**TWEET, **history}, "t").edit_of == "1400"
    original = tweet_facts({**TWEET, "id": "1400", **history}, "t")
    assert (original.edit_of, original.superseded) == (None, True)  # an older version, edited since
    for odd in ([], ["1500"], ["x", "1500"], "1400,1500", ["1400", "1450"]):  # not this tweet's edit history
        facts = tweet_facts({**TWEET, "edit_history_tweet_ids": odd}, "t")
        assert (facts.edit_of, facts.superseded) == (None, False)
        assert parse_tweet({**TWEET, "edit_history_tweet_ids": odd}, USERS, "t").external_id == "1500"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789", min_size=1, max_size=4) | JSON, max_size=4))
def test_any_edit_history_is_a_mention_or_a_bad_payload(history):
    try:
        m = parse_tweet({**TWEET, "edit_history_tweet_ids": history}, USERS, "fuzz")
    except BadPayload as exc:
        assert str(exc).startswith("fuzz")
    else:
        assert m.external_id in [*(h for h in history if isinstance(h, str)), "1500"]
