"""XSource against the local X API: mentions polling, the filtered stream
and its search catch-up, restarts, deletions and rate limits."""
from __future__ import annotations

import asyncio
import json
import logging
import threading
from datetime import datetime

from tests.social_x.conftest import mention_ids


async def test_mentions_are_polled_with_every_field(x_api, people, make_source, read):
    old = await people["maria"].tweet("@tandem from before the start")
    reader = read(make_source())
    await reader.wait(lambda items: any(i.cursor for i in items))  # started from now
    root = await people["olek"].tweet("Anyone else waiting on a tandem order?")
    sent = await people["maria"].tweet("@tandem my battery won't charge 🔋", reply_to=root["id"])
    items = await reader.wait(lambda items: sent["id"] in mention_ids(items))

    assert old["id"] not in mention_ids(items)
    m = next(i.mention for i in items if i.mention)
    assert (m.network, m.external_id, m.text) == ("x", sent["id"], "@tandem my battery won't charge 🔋")
    assert (m.author.handle, m.author.name, m.author.followers, m.author.verified) == ("maria", "Maria Example", 87,
                                                                                      False)
    assert (m.url, m.author.url) == (f"https://x.com/maria/status/{sent['id']}", "https://x.com/maria")
    assert (m.conversation_id, m.in_reply_to, m.lang) == (root["id"], root["id"], "en")
    assert isinstance(m.created_at, datetime) and m.created_at.tzinfo is not None
    calls = x_api.calls_to("GET", f"/2/users/{people['tandem'].user['id']}/mentions")
    assert "public_metrics" in calls[-1].query["user.fields"] and calls[-1].query["expansions"] == "author_id"


async def test_mentions_pages_are_followed_and_delivered_oldest_first(x_api, people, make_source, read):
    brand = people["tandem"].user
    first = await x_api.post(people["olek"].user, "@tandem zero")
    sent = [await x_api.post(people["maria"].user, f"@tandem part {n}") for n in range(130)]
    reader = read(make_source(), cursor=json.dumps({"mentions": first["id"]}))
    items = await reader.wait(lambda items: len(mention_ids(items)) >= 130)
    assert mention_ids(items) == [t["id"] for t in sent]
    pages = [c for c in x_api.calls_to("GET", f"/2/users/{brand['id']}/mentions") if "pagination_token" in c.query]
    assert pages and all(c.query["since_id"] == first["id"] for c in pages)


async def test_rules_are_synced_and_the_stream_delivers(x_api, people, make_source, read):
    x_api.rules["1"] = {"id": "1", "value": "old rule", "tag": "rejoinder:x-test"}
    x_api.rules["2"] = {"id": "2", "value": "someone else", "tag": "other-app"}
    reader = read(make_source(rules=["zephyrbike", "quokka -is:retweet"]))
    await x_api.wait_for_streams(1)
    await reader.wait(lambda items: any(i.cursor and "rules" in i.cursor for i in items))
    assert sorted((r["value"], r.get("tag")) for r in x_api.rules.values()) == [
        ("quokka -is:retweet", "rejoinder:x-test"), ("someone else", "other-app"), ("zephyrbike", "rejoinder:x-test")]
    searches = len(x_api.calls_to("GET", "/2/tweets/search/recent"))

    other = await people["olek"].tweet("someone else entirely")
    own = await people["tandem"].tweet("zephyrbike spring sale")
    hit = await people["olek"].tweet("My ZephyrBike frame creaks")
    both = await people["maria"].tweet("@tandem is the quokka recall real?")
    items = await reader.wait(lambda items: hit["id"] in mention_ids(items) and both["id"] in mention_ids(items))

    assert sorted(mention_ids(items)) == sorted([hit["id"], both["id"]])  # once each, though two feeds saw `both`
    assert other["id"] not in mention_ids(items) and own["id"] not in mention_ids(items)
    assert next(i.mention for i in items if i.mention and i.mention.external_id == hit["id"]).author.handle == "olek"
    assert len(x_api.calls_to("GET", "/2/tweets/search/recent")) == searches  # it came by the stream


async def test_dropped_stream_is_caught_up_by_search(x_api, people, make_source, read, caplog):
    reader = read(make_source(rules=["zephyrbike"], poll_interval=30))
    await x_api.wait_for_streams(1)
    await reader.wait(lambda items: any(i.cursor and "rules" in i.cursor for i in items))
    before = await people["olek"].tweet("zephyrbike before")
    await reader.wait(lambda items: before["id"] in mention_ids(items))
    x_api.streaming_enabled = False
    with caplog.at_level(logging.WARNING, logger="integrations.social.common.feed_loop"):
        x_api.drop_streams()
        during = [await people["olek"].tweet(f"zephyrbike during {n}") for n in range(3)]
        await reader.wait(lambda items: during[-1]["id"] in mention_ids(items))
    assert "stream filtered ended" in caplog.text
    x_api.streaming_enabled = True
    await x_api.wait_for_streams(1)
    after = await people["olek"].tweet("zephyrbike after")
    items = await reader.wait(lambda items: after["id"] in mention_ids(items))
    assert mention_ids(items) == [before["id"], *(t["id"] for t in during), after["id"]]


async def test_restart_from_saved_cursor_loses_nothing_and_repeats_nothing(x_api, people, make_source, read):
    first_run = read(make_source(rules=["wombatwheel"]))
    await x_api.wait_for_streams(1)
    await first_run.wait(lambda items: any(i.cursor and "rules" in i.cursor and "mentions" in i.cursor
                                           for i in items))
    sent = [await people["maria"].tweet(f"@tandem wombatwheel review {n}") for n in range(8)]
    await first_run.wait(lambda items: len(mention_ids(items)) >= 3)
    await first_run.stop()
    delivered, saved = mention_ids(first_run.items), first_run.cursor
    await x_api.wait_until(lambda: not x_api.live_streams(), what="the first run's stream closing")
    sent += [await people["olek"].tweet(f"wombatwheel while down {n}") for n in range(2)]
    sent += [await people["olek"].tweet(f"@tandem while down {n}") for n in range(2)]

    second_run = read(make_source(rules=["wombatwheel"]), cursor=saved)
    items = await second_run.wait(lambda items: len(set(delivered) | set(mention_ids(items))) >= len(sent))
    again = mention_ids(items)
    assert sorted(delivered + again) == sorted(t["id"] for t in sent)  # none lost, none twice


async def test_deleted_mention_is_reported(x_api, people, make_source, read):
    reader = read(make_source())
    await reader.wait(lambda items: any(i.cursor for i in items))
    sent = await people["maria"].tweet("@tandem never mind, found it")
    kept = await people["maria"].tweet("@tandem but this one stays")
    await reader.wait(lambda items: kept["id"] in mention_ids(items))
    await people["maria"].delete(sent)
    items = await reader.wait(lambda items: any(i.deleted_id for i in items))
    assert [i.deleted_id for i in items if i.deleted_id] == [sent["id"]]


async def test_rate_limited_poll_waits_for_the_reset(x_api, people, make_source, read):
    brand = people["tandem"].user["id"]
    first = await people["maria"].tweet("@tandem one")
    x_api.fail_next("GET /2/users/mentions", status=429, reset_in=0.5)
    sent = await people["maria"].tweet("@tandem two")
    reader = read(make_source(), cursor=json.dumps({"mentions": first["id"]}))
    await reader.wait(lambda items: sent["id"] in mention_ids(items))
    calls = x_api.calls_to("GET", f"/2/users/{brand}/mentions")
    assert [c.status for c in calls[:2]] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.9  # x-rate-limit-reset is whole seconds; the wait is at least 1 s


async def test_bad_stream_lines_and_bad_tweets_are_reported_and_skipped(x_api, people, make_source, read, caplog):
    reader = read(make_source(rules=["zephyrbike"], poll_interval=30))
    await x_api.wait_for_streams(1)
    await reader.wait(lambda items: any(i.cursor and "rules" in i.cursor for i in items))
    await x_api.push_raw("{not json\r\n")
    await x_api.push_raw(json.dumps({"data": {"id": "123", "text": "zephyrbike", "author_id": "404"},
                                     "matching_rules": [{"id": "9", "tag": "rejoinder:x-test"}]}) + "\r\n")
    await x_api.push_raw(json.dumps({"errors": [{"title": "operational-disconnect"}]}) + "\r\n")
    good = await people["olek"].tweet("zephyrbike still fine")
    items = await reader.wait(lambda items: good["id"] in mention_ids(items))
    assert mention_ids(items) == [good["id"]]
    assert "not JSON" in caplog.text and "tweet 123" in caplog.text and "operational-disconnect" in caplog.text
    assert len(x_api.live_streams()) == 1


async def test_stopping_the_source_closes_its_stream(x_api, people, make_source, read):
    before = set(threading.enumerate())
    reader = read(make_source(rules=["a"]))
    await x_api.wait_for_streams(1)
    threads = [t for t in threading.enumerate() if t.name.startswith("stream:") and t not in before]
    await reader.stop()
    await x_api.wait_until(lambda: not x_api.live_streams(), timeout=3, what="the stream closed")
    await asyncio.to_thread(lambda: [t.join(3) for t in threads])
    assert len(threads) == 1 and not any(t.is_alive() for t in threads)


async def test_edit_is_reported_for_the_original_tweet_once(x_api, people, make_source, read):
    reader = read(make_source(rules=["zephyrbike"]))
    await x_api.wait_for_streams(1)
    await reader.wait(lambda items: any(i.cursor and "rules" in i.cursor and "mentions" in i.cursor for i in items))
    sent = await people["maria"].tweet("@tandem my zephyrbike order is late")
    await reader.wait(lambda items: sent["id"] in mention_ids(items))
    latest = await x_api.edit(x_api.tweets[sent["id"]], "@tandem my zephyrbike order is late, day nine now")
    # Both feeds see the new version (the stream by rule, the mentions poll); once the poll
    # has delivered a later mention only it sees, it has been past the edit too.
    kept = await people["maria"].tweet("@tandem one more thing")
    items = await reader.wait(lambda items: kept["id"] in mention_ids(items))
    [edit] = [i for i in items if i.edited]
    m = edit.mention
    assert (m.external_id, m.text) == (sent["id"], "@tandem my zephyrbike order is late, day nine now")
    assert (m.conversation_id, m.url) == (sent["id"], f"https://x.com/maria/status/{sent['id']}")
    assert m.reply_ref == {"author_id": people["maria"].user["id"], "reply_to_id": latest["id"]}
    assert latest["id"] not in mention_ids(items)  # never a new mention of its own
    assert mention_ids(items).count(sent["id"]) == 2  # the first version, then its edit

    await people["maria"].delete(latest)  # deleting any version deletes the whole tweet
    items = await reader.wait(lambda items: any(i.deleted_id for i in items))
    assert [i.deleted_id for i in items if i.deleted_id] == [sent["id"]]
