"""MastodonSource without streams, after restarts and dropped connections,
and under rate limits."""
from __future__ import annotations

import asyncio
import json
import logging
import threading

from tests.social_mastodon.conftest import mention_ids


async def test_polling_fallback_pages_through_everything_in_order(mastodon, people, make_source, read):
    mastodon.streaming_enabled = False
    sent = [await people["maria"].toot(f"@tandem part {n}") for n in range(45)]
    before = str(int(sent[0]["id"]) - 1)  # a notification id just below the first one
    reader = read(make_source(page_size=20), cursor=json.dumps({"mentions": before}))
    items = await reader.wait(lambda items: len(mention_ids(items)) >= 45)

    assert mention_ids(items) == [s["id"] for s in sent]
    polls = [c for c in mastodon.calls_to("GET", "/api/v1/notifications") if c.status == 200]
    assert len([c for c in polls if "min_id" in c.query]) >= 3  # 45 = 20 + 20 + 5, each page after the last
    assert all(c.query.get("types[]") == "mention" for c in polls)
    assert [c for c in mastodon.calls if c.path == "/api/v1/streaming/user" and c.status == 503]


async def test_restart_from_saved_cursor_loses_nothing_and_repeats_nothing(mastodon, people, make_source, read):
    first_run = read(make_source())
    await mastodon.wait_for_streams(1)
    await first_run.wait(lambda items: any(i.cursor for i in items))
    sent = [await people["maria"].toot(f"@tandem review part {n}") for n in range(10)]
    await first_run.wait(lambda items: len(mention_ids(items)) >= 4)
    await first_run.stop()
    delivered = mention_ids(first_run.items)
    # what the core stored: every item up to the last saved cursor
    saved = first_run.cursor
    await mastodon.wait_until(lambda: not mastodon.live_streams(), what="the first run's stream closing")
    sent += [await people["olek"].toot(f"@tandem@social.test while down {n}") for n in range(3)]

    second_run = read(make_source(), cursor=saved)
    items = await second_run.wait(lambda items: sent[-1]["id"] in mention_ids(items))
    again = mention_ids(items)
    assert sorted(delivered + again) == sorted(s["id"] for s in sent)  # none lost, none twice
    assert again == [s["id"] for s in sent if s["id"] not in delivered]


async def test_dropped_stream_is_caught_up_by_polling_then_resumes(mastodon, people, make_source, read, caplog):
    reader = read(make_source())
    await mastodon.wait_for_streams(1)
    await reader.wait(lambda items: any(i.cursor for i in items))
    before = await people["maria"].toot("@tandem before the drop")
    await reader.wait(lambda items: before["id"] in mention_ids(items))

    mastodon.streaming_enabled = False
    with caplog.at_level(logging.WARNING, logger="integrations.social.mastodon.network"):
        assert mastodon.drop_streams() == 1
        during = [await people["maria"].toot(f"@tandem during the drop {n}") for n in range(3)]
        await reader.wait(lambda items: during[-1]["id"] in mention_ids(items))
    assert "stream user ended" in caplog.text

    mastodon.streaming_enabled = True
    await mastodon.wait_for_streams(1)
    after = await people["maria"].toot("@tandem after the drop")
    items = await reader.wait(lambda items: after["id"] in mention_ids(items))
    assert mention_ids(items) == [before["id"], *(d["id"] for d in during), after["id"]]


async def test_rate_limited_poll_waits_for_the_reset_then_succeeds(mastodon, people, make_source, read):
    mastodon.streaming_enabled = False
    sent = await people["maria"].toot("@tandem hello?")
    mastodon.fail_next("GET /api/v1/notifications", status=429, reset_in=1.0)
    reader = read(make_source(), cursor=json.dumps({"mentions": str(int(sent["id"]) - 1)}))
    await reader.wait(lambda items: sent["id"] in mention_ids(items))
    calls = mastodon.calls_to("GET", "/api/v1/notifications")
    assert [c.status for c in calls[:2]] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9


async def test_stopping_the_source_closes_its_streams(mastodon, people, make_source, read):
    before = set(threading.enumerate())
    reader = read(make_source(hashtags=["a", "b"]))
    await mastodon.wait_for_streams(3)
    threads = [t for t in threading.enumerate() if t.name.startswith("stream:") and t not in before]
    await reader.stop()
    await mastodon.wait_until(lambda: not mastodon.live_streams(), timeout=3, what="all streams closed")
    await asyncio.to_thread(lambda: [t.join(3) for t in threads])
    assert len(threads) == 3 and not any(t.is_alive() for t in threads)


async def test_bad_notification_in_a_poll_is_reported_and_skipped(mastodon, people, make_source, read, caplog):
    mastodon.streaming_enabled = False
    first = await people["maria"].toot("@tandem one")
    tandem = people["tandem"].account["id"]
    mastodon.notifications[tandem].append({"id": str(int(first["id"]) + 100), "type": "mention",
                                           "status": {"id": "77", "account": {"acct": ""}}})
    later = await mastodon.post(people["maria"].account, "@tandem two")
    reader = read(make_source(), cursor=json.dumps({"mentions": "1"}))
    items = await reader.wait(lambda items: later["id"] in mention_ids(items))
    assert mention_ids(items) == [first["id"], later["id"]]
    assert "status 77" in caplog.text and "account.acct" in caplog.text


async def test_restart_does_not_repeat_a_post_two_feeds_share(mastodon, people, make_source, read):
    mastodon.fail_next("GET /api/v1/streaming/user", times=1000, status=503)  # mentions only by (slow) polling
    first_run = read(make_source(hashtags=["zephyrbike"], poll_interval=30))
    await mastodon.wait_for_streams(1)
    await first_run.wait(lambda items: any(i.cursor and "tag:zephyrbike" in i.cursor and "mentions" in i.cursor
                                           for i in items))
    both = await people["maria"].toot("@tandem is the #zephyrbike recall real?")
    await first_run.wait(lambda items: both["id"] in mention_ids(items))
    await first_run.stop()
    assert json.loads(first_run.cursor)["pending"] == {both["id"]: ["mentions"]}

    mastodon.clear_failures()
    second_run = read(make_source(hashtags=["zephyrbike"]), cursor=first_run.cursor)
    await mastodon.wait_for_streams(2)
    later = await people["maria"].toot("@tandem and another question")
    items = await second_run.wait(lambda items: later["id"] in mention_ids(items))
    assert mention_ids(items) == [later["id"]]
    assert "pending" not in json.loads(second_run.cursor)
