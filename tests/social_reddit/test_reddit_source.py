"""RedditSource (praw) against the local Reddit emulator."""
from __future__ import annotations

import json
from contextlib import aclosing
from datetime import datetime, timezone

from tests.emulators.reddit import EPOCH
from tests.social_reddit.conftest import BRAND, PASSWORD, make_source
from tests.social_rss.drain import Drain


async def test_submissions_and_comments_become_mentions(reddit):
    post = reddit.add_submission("acme", "maria", "Acme drill broke", "It stopped after a week.")
    first = reddit.add_comment(post, "olek", "Same with my acme saw")
    deep = reddit.add_comment(first, "maria", "Did acme answer you?")
    drain = Drain(make_source(reddit))
    try:
        await drain.until(lambda: len(drain.mentions) == 3)
    finally:
        await drain.stop()
    by_id = {m.external_id: m for m in drain.mentions}
    s, c = by_id[post], by_id[deep]
    assert (s.network, s.author.handle, s.text) == ("reddit", "maria", "Acme drill broke\n\nIt stopped after a week.")
    assert (s.conversation_id, s.in_reply_to) == (post, None)
    assert s.url == f"{reddit.base_url}/r/acme/comments/{post[3:]}/post/"
    assert s.created_at == datetime.fromtimestamp(EPOCH + 1, timezone.utc)
    assert (c.text, c.conversation_id, c.in_reply_to) == ("Did acme answer you?", post, first)
    assert c.reply_ref == {"fullname": deep, "subreddit": "acme"}
    assert reddit.requests_to("/r/acme/new") and reddit.requests_to("/r/acme/comments")


async def test_keywords_whole_word_and_only_watched_subreddits(reddit):
    kept = [reddit.add_submission("acme", "a", "ACME! why"), reddit.add_submission("Bikes", "b", "my #acme light")]
    dropped = [reddit.add_submission("acme", "c", "acmes everywhere"), reddit.add_submission("acme", "d", "notacme"),
               reddit.add_submission("other", "e", "acme elsewhere")]
    quiet = reddit.add_submission("bikes", "f", "new wheels")
    kept.append(reddit.add_comment(quiet, "g", "those look like acme rims"))
    drain = Drain(make_source(reddit, subreddits=["acme", "r/bikes"], keywords=["Acme"]))
    try:
        await drain.until(lambda: len(drain.mentions) == 3)
    finally:
        await drain.stop()
    assert drain.ids == kept
    assert not set(drain.ids) & set(dropped)
    assert reddit.requests_to("/r/acme+bikes/new")


async def test_the_brand_accounts_own_posts_are_skipped(reddit):
    post = reddit.add_submission("acme", "maria", "acme support?")
    reddit.add_comment(post, BRAND, "Hi from acme support, sending a DM")
    last = reddit.add_comment(post, "maria", "thanks acme")
    drain = Drain(make_source(reddit, username=BRAND, password=PASSWORD))
    try:
        await drain.until(lambda: last in drain.ids)
    finally:
        await drain.stop()
    assert drain.ids == [post, last]
    token = reddit.requests_to("/api/v1/access_token", "POST")[0]
    assert (token.form["grant_type"], token.form["username"]) == ("password", BRAND)


async def test_new_items_are_read_back_to_the_cursor_across_pages(reddit):
    reddit.add_submission("acme", "x", "old acme post")
    drain = Drain(make_source(reddit))
    try:
        await drain.until(lambda: len(drain.mentions) == 1)
        burst = [reddit.add_submission("acme", f"u{n}", f"acme post {n}") for n in range(230)]
        drain.source.poll_now()
        await drain.until(lambda: burst[-1] in drain.ids)
    finally:
        await drain.stop()
    assert drain.ids[1:] == burst  # each once, oldest first
    pages = [c for c in reddit.requests_to("/r/acme/new")][1:]
    assert [c.params.get("after") is not None for c in pages][:3] == [False, True, True]


async def test_restart_from_saved_cursor_loses_and_doubles_nothing(reddit):
    post = reddit.add_submission("acme", "a", "acme thread", created=EPOCH + 10)
    wanted = [post]
    # Several posts share a second on busy subreddits; the cursor must cope.
    for n in range(4):
        wanted.append(reddit.add_submission("acme", f"s{n}", f"acme same second {n}", created=EPOCH + 20))
    for n in range(5):
        wanted.append(reddit.add_comment(post, f"c{n}", f"acme comment {n}", created=EPOCH + 30 + n // 2))
    saved, first = None, []
    async with aclosing(make_source(reddit).items(None)) as items:
        async for item in items:  # store, then save the cursor, as the pipeline does
            if item.mention:
                first.append(item.mention.external_id)
            saved = item.cursor
            if len(first) == 3:
                break
    assert json.loads(saved)["t3"]["at"] == EPOCH + 20 and len(json.loads(saved)["t3"]["ids"]) == 2

    later = reddit.add_submission("acme", "z", "acme while we were down", created=EPOCH + 20)
    drain = Drain(make_source(reddit), saved)
    try:
        await drain.until(lambda: len(first) + len(drain.mentions) >= len(wanted) + 1)
    finally:
        await drain.stop()
    assert sorted(first + drain.ids) == sorted(wanted + [later])


async def test_first_run_reads_only_the_newest_items(reddit):
    posts = [reddit.add_submission("acme", "a", f"acme {n}") for n in range(5)]
    drain = Drain(make_source(reddit, first_run_limit=3))
    try:
        await drain.until(lambda: len(drain.mentions) == 3)
        drain.source.poll_now()
        await reddit.wait_for(lambda: len(reddit.requests_to("/r/acme/new")) == 2)
        fresh = reddit.add_submission("acme", "b", "acme new")
        drain.source.poll_now()
        await drain.until(lambda: fresh in drain.ids)
    finally:
        await drain.stop()
    assert drain.ids == posts[2:] + [fresh]


async def test_noise_still_moves_the_cursor(reddit):
    reddit.add_submission("acme", "a", "nothing to see")
    noise = reddit.add_submission("acme", "b", "still nothing")
    drain = Drain(make_source(reddit))
    try:
        await drain.until(lambda: bool(drain.items))
    finally:
        await drain.stop()
    [tick] = drain.items
    assert tick.mention is None and json.loads(tick.cursor)["t3"]["ids"] == [noise]


async def test_a_429_is_waited_out_as_x_ratelimit_reset_says(reddit):
    reddit.rate_limit("/r/acme/new", reset=1)
    post = reddit.add_submission("acme", "a", "acme after the limit")
    drain = Drain(make_source(reddit, poll_interval=0.05))
    try:
        await drain.until(lambda: post in drain.ids)
    finally:
        await drain.stop()
    limited, retried = reddit.requests_to("/r/acme/new")[:2]
    assert limited.status == 429 and retried.status == 200
    assert retried.at - limited.at >= 1.0


async def test_read_errors_back_off_and_the_source_goes_on(reddit, caplog):
    reddit.script("/r/acme/comments", 403, times=2)
    post = reddit.add_submission("acme", "a", "quiet post")
    comment = reddit.add_comment(post, "b", "acme please")
    drain = Drain(make_source(reddit, poll_interval=0.05))
    try:
        await drain.until(lambda: comment in drain.ids)
    finally:
        await drain.stop()
    calls = reddit.requests_to("/r/acme/comments")
    assert [c.status for c in calls[:3]] == [403, 403, 200]
    assert calls[1].at - calls[0].at >= 0.1 and calls[2].at - calls[1].at >= 0.2
    assert sum("reading comments failed" in r.getMessage() for r in caplog.records) == 2
