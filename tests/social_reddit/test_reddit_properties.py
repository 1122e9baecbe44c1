"""Arbitrary listing data and cursors never crash the Reddit mapping; the
cursor marks exactly what was read, whatever the ties in creation time; any
profile answer gives a valid follower count."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.types import Author, Mention
from integrations.social.reddit.reach import followers_in
from integrations.social.reddit.things import Mark, RedditCursor, to_mention

SITE = "https://www.reddit.com"

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)

thing = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["t3_abc", "t1_def", "t3_", "t1", "", "x" * 400]) | st.text(max_size=10) | anything,
    "id": st.text(max_size=8) | anything,
    "created_utc": st.floats() | st.integers() | st.just(1_700_000_000.0) | anything,
    "title": st.text(max_size=30) | anything, "selftext": st.text(max_size=30) | anything,
    "body": st.text(max_size=30) | anything, "author": st.text(max_size=250) | anything,
    "permalink": st.sampled_from(["/r/acme/comments/abc/x/", "javascript:alert(1)"]) | anything,
    "link_id": st.sampled_from(["t3_abc", "t1_x"]) | anything, "parent_id": st.text(max_size=10) | anything,
    "subreddit": st.text(max_size=10) | anything,
})


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["t3", "t1", "t5", ""]), thing)
def test_any_listing_item_is_a_mention_or_a_named_problem(kind, data):
    result = to_mention(kind, data, SITE)
    if isinstance(result, Mention):
        assert result.external_id.startswith(kind + "_") and result.network == "reddit"
        assert result.url is None or result.url.startswith(SITE + "/")
        assert (result.conversation_id or "").startswith("t3_")
    else:
        assert result.startswith("reddit ") and ": " in result


def test_a_cursor_with_a_time_that_is_no_time_is_refused():
    for at in ("NaN", "Infinity", "true", "-5", '"12"'):
        try:
            RedditCursor.load('{"t3": {"at": %s, "ids": []}}' % at, "r")
        except ValueError as exc:
            assert "'at' (seconds)" in str(exc)
        else:
            raise AssertionError(f"a cursor with at={at} was accepted")


def test_a_deleted_author_and_removed_body_still_map():
    m = to_mention("t1", {"name": "t1_a", "created_utc": 1.0, "author": None, "body": "[removed]",
                          "link_id": "t3_b", "parent_id": "t3_b"}, SITE)
    assert isinstance(m, Mention) and (m.author.handle, m.author.url, m.text) == ("[deleted]", None, "[removed]")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120) | anything.map(lambda v: __import__("json").dumps(v)))
def test_cursor_loads_or_names_the_source(text):
    try:
        cursor = RedditCursor.load(text, "reddit-main")
    except ValueError as exc:
        assert "reddit source 'reddit-main'" in str(exc)
    else:
        assert RedditCursor.load(cursor.dump(), "reddit-main").dump() == cursor.dump()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=25), st.data())
def test_mark_splits_a_listing_into_read_and_unread_exactly(seconds, data):
    """Items arrive oldest first (ties in any order); after reading a prefix,
    `is_new` is true for exactly the rest."""
    items = [(f"t3_{n}", float(s)) for n, s in enumerate(sorted(seconds))]
    cut = data.draw(st.integers(0, len(items)))
    mark = Mark()
    for name, created in items[:cut]:
        mark.advance(name, created)
    # A restart: the mark goes through the saved cursor first.
    restored = RedditCursor.load(RedditCursor({"t3": mark, "t1": Mark()}).dump(), "r").marks["t3"]
    assert [name for name, created in items if restored.is_new(name, created)] == [n for n, _ in items[cut:]]


about = st.fixed_dictionaries({}, optional={
    "kind": st.just("t2") | anything,
    "data": st.fixed_dictionaries({}, optional={
        "name": st.text(max_size=10) | anything, "is_suspended": st.booleans() | anything,
        "subreddit": st.fixed_dictionaries({}, optional={"subscribers": st.integers() | st.floats() | anything})
        | anything}) | anything})


@settings(max_examples=300, deadline=None)
@given(about | anything)
def test_any_profile_answer_gives_a_follower_count(answer):
    count = followers_in(answer)
    assert isinstance(count, int) and not isinstance(count, bool) and count >= 0
    Author(handle="a", followers=count)  # always a valid Author


def test_a_suspended_account_counts_zero_whatever_it_still_shows():
    shown = {"kind": "t2", "data": {"name": "x", "is_suspended": True, "subreddit": {"subscribers": 500}}}
    assert followers_in(shown) == 0
    assert followers_in({"kind": "t2", "data": {"name": "x", "subreddit": {"subscribers": 500}}}) == 500
