"""RssSource with httpx against the local feed server."""
from __future__ import annotations

import json
from contextlib import aclosing
from datetime import datetime, timezone

import pytest

from integrations.social.rss.source import RssSource
from tests.social_rss.drain import Drain

RSS, ATOM = "/rss.xml", "/atom.xml"


def source(feeds, path=RSS, **kw) -> RssSource:
    kw.setdefault("poll_interval", 60.0)  # tests poll on demand with poll_now()
    return RssSource("forum", feeds.url(path), **kw)


async def test_rss_items_become_mentions(feeds):
    first = feeds.append(RSS, "Acme drill broke", "<p>My <b>Acme</b> drill &amp; saw</p><p>stopped&nbsp;working</p>",
                         author="maria", link="https://forum.example/t/9",
                         published=datetime(2024, 4, 30, 8, 15, tzinfo=timezone.utc))
    feeds.append(RSS, "Second post", "")
    drain = Drain(source(feeds))
    try:
        await drain.until(lambda: len(drain.mentions) == 2)
    finally:
        await drain.stop()
    m = drain.mentions[0]
    assert (m.network, m.external_id, m.author.handle) == ("rss", first.guid, "maria")
    assert m.text == "Acme drill broke\n\nMy Acme drill & saw\n\nstopped working"
    assert m.url == "https://forum.example/t/9"
    assert m.created_at == datetime(2024, 4, 30, 8, 15, tzinfo=timezone.utc)
    assert drain.mentions[1].text == "Second post"  # oldest first


async def test_atom_entry_without_author_is_credited_to_the_feed(feeds):
    entry = feeds.append(ATOM, "Review: Acme helmet", "Solid <i>but</i> heavy")
    drain = Drain(source(feeds, ATOM, network="blog"))
    try:
        await drain.until(lambda: len(drain.mentions) == 1)
    finally:
        await drain.stop()
    m = drain.mentions[0]
    assert (m.network, m.external_id, m.author.handle, m.text) == (
        "blog", entry.guid, "Gear Blog", "Review: Acme helmet\n\nSolid but heavy")
    assert m.created_at == entry.published


async def test_only_entries_naming_a_keyword_whole_word_are_kept(feeds):
    kept = [feeds.append(RSS, "ACME brakes squeal"), feeds.append(RSS, "Ride report", "thanks to #acme support")]
    for title in ("acmes are birds", "notacme at all", "Weekend ride"):
        feeds.append(RSS, title)
    last = feeds.append(RSS, "last acme post")
    drain = Drain(source(feeds, keywords=["Acme"]))
    try:
        await drain.until(lambda: last.guid in drain.ids)
    finally:
        await drain.stop()
    assert drain.ids == [kept[0].guid, kept[1].guid, last.guid]


async def test_unchanged_feed_gets_304_and_yields_nothing(feeds):
    feeds.append(RSS, "one")
    feeds.append(RSS, "two")
    drain = Drain(source(feeds))
    try:
        await drain.until(lambda: len(drain.mentions) == 2)
        etag = json.loads(drain.cursor)["etag"]
        assert etag == feeds.feeds[RSS].etag
        drain.source.poll_now()
        await feeds.wait_for(lambda: len(feeds.served(RSS, 304)) == 1)
        assert feeds.served(RSS, 304)[0].if_none_match == etag
        fresh = feeds.append(RSS, "three")
        drain.source.poll_now()
        await drain.until(lambda: fresh.guid in drain.ids)
    finally:
        await drain.stop()
    # Nothing between the 304 and the new entry: the only items are the three posts.
    assert [i.mention.text for i in drain.items] == ["one", "two", "three"]
    assert [r.status for r in feeds.served(RSS)] == [200, 304, 200]


async def test_last_modified_alone_also_gives_304(feeds):
    feeds.feeds[RSS].send_etag = False
    feeds.append(RSS, "one")
    drain = Drain(source(feeds))
    try:
        await drain.until(lambda: len(drain.mentions) == 1)
        drain.source.poll_now()
        await feeds.wait_for(lambda: len(feeds.served(RSS)) == 2)
    finally:
        await drain.stop()
    second = feeds.served(RSS)[1]
    assert (second.status, second.if_none_match) == (304, None)
    assert second.if_modified_since == json.loads(drain.cursor)["last_modified"]


async def test_server_without_validators_repeats_nothing(feeds):
    feeds.feeds[RSS].send_etag = feeds.feeds[RSS].send_last_modified = False
    feeds.append(RSS, "one")
    drain = Drain(source(feeds))
    try:
        await drain.until(lambda: len(drain.mentions) == 1)
        drain.source.poll_now()
        await feeds.wait_for(lambda: len(feeds.served(RSS, 200)) == 2)
        fresh = feeds.append(RSS, "two")
        drain.source.poll_now()
        await drain.until(lambda: fresh.guid in drain.ids)
    finally:
        await drain.stop()
    assert [m.text for m in drain.mentions] == ["one", "two"]


async def test_restart_with_saved_cursor_loses_and_doubles_nothing(feeds):
    posts = [feeds.append(RSS, f"acme post {n}") for n in range(5)]
    saved, first = None, []
    async with aclosing(source(feeds).items(None)) as items:
        async for item in items:  # store, then save the cursor, as the pipeline does
            first.append(item.mention.external_id)
            saved = item.cursor
            if len(first) == 2:
                break  # the process stops halfway through a fetch
    assert json.loads(saved)["etag"] is None  # validators only come with the last item

    drain = Drain(source(feeds), saved)
    try:
        await drain.until(lambda: posts[-1].guid in drain.ids)
        full = drain.cursor
    finally:
        await drain.stop()
    assert feeds.served(RSS)[1].if_none_match is None
    assert first + drain.ids == [p.guid for p in posts]

    again = Drain(source(feeds), full)
    try:
        await feeds.wait_for(lambda: len(feeds.served(RSS)) == 3)
        assert feeds.served(RSS)[2].status == 304
        fresh = feeds.append(RSS, "acme post after restart")
        again.source.poll_now()
        await again.until(lambda: fresh.guid in again.ids)
    finally:
        await again.stop()
    assert again.ids == [fresh.guid]


async def test_errors_back_off_and_are_reported(feeds):
    feeds.fail_next(RSS, 500, times=3)
    entry = feeds.append(RSS, "after the outage")
    drain = Drain(source(feeds, poll_interval=0.05))
    try:
        await drain.until(lambda: entry.guid in drain.ids)
    finally:
        await drain.stop()
    times = [r.at for r in feeds.served(RSS)]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert [r.status for r in feeds.served(RSS)][:4] == [500, 500, 500, 200]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.4  # doubling from the poll interval
    assert len(drain.problems) == 3 and all("HTTP 500" in p for p in drain.problems)


async def test_retry_after_is_honoured(feeds):
    feeds.fail_next(RSS, 503, retry_after="1")
    entry = feeds.append(RSS, "later")
    drain = Drain(source(feeds, poll_interval=0.05))
    try:
        await drain.until(lambda: entry.guid in drain.ids)
    finally:
        await drain.stop()
    failed, ok = feeds.served(RSS)[:2]
    assert ok.at - failed.at >= 1.0


async def test_a_page_that_is_no_feed_is_reported_and_keeps_the_cursor(feeds):
    feeds.set_raw("/page.html", b"<html><body><h1>Maintenance</h1></body></html>", "text/html")
    drain = Drain(RssSource("forum", feeds.url("/page.html"), poll_interval=60.0))
    try:
        await feeds.wait_for(lambda: len(feeds.served("/page.html")) == 1)
        await drain.until(lambda: len(drain.problems) == 1)
        feeds.set_raw("/page.html", b'<rss version="2.0"><channel><title>Back</title>'
                                    b"<item><guid isPermaLink=\"false\">g1</guid><title>back again</title></item></channel></rss>")
        drain.source.poll_now()
        await drain.until(lambda: drain.ids == ["g1"])
    finally:
        await drain.stop()
    assert "not an RSS or Atom feed" in drain.problems[0]
    assert drain.items[0].mention is not None  # nothing was yielded for the broken page


async def test_bad_entries_are_reported_and_skipped(feeds):
    feeds.set_raw("/mixed.xml", b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Mixed</title>
        <item><title>no id and no link</title></item>
        <item><guid isPermaLink="false">only-id</guid></item>
        <item><guid isPermaLink="false">good</guid><title>a good acme post</title><pubDate>not a date</pubDate></item>
        </channel></rss>""")
    drain = Drain(RssSource("mixed", feeds.url("/mixed.xml"), poll_interval=60.0))
    try:
        await drain.until(lambda: drain.ids == ["good"])
    finally:
        await drain.stop()
    assert len(drain.problems) == 2
    assert "entry 1" in drain.problems[0] and "neither an id" in drain.problems[0]
    assert "entry 2" in drain.problems[1] and "neither a title nor a summary" in drain.problems[1]
    assert drain.mentions[0].author.handle == "Mixed"


async def test_oversized_feed_is_refused(feeds):
    for n in range(30):
        feeds.append(RSS, f"post {n}", "long text " * 20)
    drain = Drain(source(feeds, max_bytes=2000))
    try:
        await drain.until(lambda: bool(drain.problems))
    finally:
        await drain.stop()
    assert "larger than the limit of 2000 bytes" in drain.problems[0]
    assert drain.items == []


def test_bad_settings_are_refused_with_the_source_named():
    with pytest.raises(ValueError, match="feed source 'forum': url"):
        RssSource("forum", "ftp://forum.example/feed")
    with pytest.raises(ValueError, match="feed source 'forum': network 'Forum News'"):
        RssSource("forum", "https://forum.example/feed", network="Forum News")
