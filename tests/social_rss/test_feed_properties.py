"""Arbitrary documents and cursors never crash the feed parser; bad entries are
reported and skipped, good ones always come through."""
from __future__ import annotations

from datetime import datetime, timezone
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.types import Mention
from integrations.social.rss.entries import RssCursor, NotAFeed, parse_feed, plain_text

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)
URL = "https://forum.example/feed.xml"

# Text XML 1.0 can carry: no control characters or surrogates.
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
                   max_size=40)


def parse(body: bytes, content_type: str | None = None):
    try:
        return parse_feed(body, URL, "rss", NOW, content_type)
    except NotAFeed as exc:
        assert str(exc)
        return None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([None, "application/rss+xml", "text/html", "text/xml; charset=latin-1"]))
def test_arbitrary_bytes_give_mentions_problems_or_not_a_feed(body, content_type):
    result = parse(body, content_type)
    if result is not None:
        mentions, problems = result
        assert all(isinstance(m, Mention) for m in mentions)
        assert all(isinstance(p, str) and p.startswith(URL) for p in problems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_almost_feeds_never_crash(junk):
    for body in (f"<rss version='2.0'><channel><item>{junk}</item></channel></rss>",
                 f"<feed xmlns='http://www.w3.org/2005/Atom'><entry>{junk}</entry></feed>",
                 f"<?xml version='1.0'?><rss><channel><title>{junk}</title><item><guid>x</guid>{junk}"):
        parse(body.encode("utf-8", "surrogatepass"))


entry = st.fixed_dictionaries({
    "guid": st.one_of(st.none(), xml_text, st.text(min_size=301, max_size=400, alphabet="abc")),
    "link": st.one_of(st.none(), st.just("https://forum.example/t/1"), xml_text),
    "title": st.one_of(st.none(), xml_text),
    "description": st.one_of(st.none(), xml_text, xml_text.map(lambda t: f"<p>{escape(t)}</p>")),
    "pubDate": st.one_of(st.none(), st.just("Wed, 01 May 2024 09:00:00 GMT"), xml_text),
    "author": st.one_of(st.none(), xml_text),
})


def render(items: list[dict]) -> bytes:
    parts = []
    for item in items:
        fields = "".join(f"<{tag}>{escape(value)}</{tag}>" if tag != "guid" else
                         f'<guid isPermaLink="false">{escape(value)}</guid>'
                         for tag, value in item.items() if value is not None)
        parts.append(f"<item>{fields}</item>")
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Forum</title>'
            f'{"".join(parts)}</channel></rss>').encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(entry, max_size=6))
def test_each_entry_is_a_mention_or_a_reported_problem(items):
    result = parse(render(items))
    assert result is not None
    mentions, problems = result
    assert len(mentions) + len(problems) == len(items)
    for m in mentions:
        assert m.external_id and len(m.external_id) <= 300 and m.text
        assert m.url is None or m.url.startswith(("http://", "https://"))


words = st.text("abcdefghij XYZ0123", min_size=1, max_size=15).filter(str.strip)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.booleans(), words, words), max_size=6, unique_by=lambda t: t[1]))
def test_good_entries_always_come_through_and_bad_ones_are_named(shape):
    """(has id, id, title): an entry without id or link is the only bad kind here."""
    items = [{"guid": guid if has_id else None, "title": title} for has_id, guid, title in shape]
    mentions, problems = parse(render(items))
    assert [m.external_id for m in mentions] == [guid.strip() for has_id, guid, _ in shape if has_id]
    assert [m.text for m in mentions] == [" ".join(title.split()) for has_id, _, title in shape if has_id]
    bad = [n for n, (has_id, _, _) in enumerate(shape, start=1) if not has_id]
    assert [p.split(": ")[0] for p in problems] == [f"{URL} entry {n}" for n in bad]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.text(max_size=80).map(lambda t: '{"etag": "' + t + '"}'))
def test_cursor_loads_or_says_what_is_wrong(text):
    try:
        cursor = RssCursor.load(text, "forum")
    except ValueError as exc:
        assert "feed source 'forum'" in str(exc)
    else:
        assert RssCursor.load(cursor.dump(), "forum") == cursor


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_plain_text_never_crashes_and_drops_tags(html):
    text = plain_text(html)
    assert "<b>" not in plain_text(f"<b>{escape(html)}</b>") or "<b>" in html
    assert isinstance(text, str)


def test_plain_text_keeps_paragraphs_and_decodes_entities():
    assert plain_text("<p>Fish &amp; chips</p><p>  two\n  lines </p>x&lt;y") == "Fish & chips\n\ntwo\nlines\n\nx<y"


@pytest.mark.parametrize("seen_limit", [3])
def test_cursor_remembers_only_the_most_recent_ids(seen_limit):
    cursor = RssCursor()
    cursor.add_seen(["a", "b", "c", "b"], seen_limit)
    cursor.add_seen(["d"], seen_limit)
    assert cursor.seen == ["b", "c", "d"]
