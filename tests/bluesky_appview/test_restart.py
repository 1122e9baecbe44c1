"""A restart from the saved cursor: nothing yielded twice, nothing lost."""
from __future__ import annotations

from contextlib import aclosing
from datetime import datetime, timedelta, timezone

from atproto import models

from tests.bluesky.conftest import collect_until, mention_ids, post


async def test_restart_from_saved_cursor_neither_loses_nor_doubles(customers, new_brand, as_user, new_source):
    brand = new_brand()
    maria, olek = customers["maria"], customers["olek"]
    writers = {maria.did: await as_user(maria), olek.did: await as_user(olek)}

    async def mention(n: int):
        did = maria.did if n % 2 else olek.did  # two repos: the AppView indexes them independently
        return await post(writers[did], did, f"@{brand.handle} question {n} about my order")

    first = [await mention(n) for n in range(1, 7)]
    source = new_source(brand)
    async with aclosing(source.items(None)) as items:
        before = await collect_until(items, lambda s: len(mention_ids(s)) == 4)  # stop inside a poll's batch
    saved = before[-1].cursor
    handled = mention_ids(before)
    assert len(set(handled)) == 4 and set(handled) <= {p.uri for p in first}

    later = [await mention(n) for n in range(7, 11)]
    expected = {p.uri for p in first + later} - set(handled)
    restarted = new_source(brand, session_string=source.session_string)
    async with aclosing(restarted.items(saved)) as items:
        after = await collect_until(items, lambda s: expected <= set(mention_ids(s)))

    ids = mention_ids(after)
    assert len(ids) == len(set(ids)) == 6, ids  # each of the other six exactly once
    assert set(ids) == expected
    assert restarted.session.password_logins == 0  # resumed the saved session


async def test_a_post_from_a_clock_running_behind_is_not_lost(customers, new_brand, as_user, new_source):
    brand, maria = new_brand(), customers["maria"]
    client = await as_user(maria)
    on_time = await post(client, maria.did, f"@{brand.handle} first question")
    source = new_source(brand)
    async with aclosing(source.items(None)) as items:
        saved = (await collect_until(items, lambda s: on_time.uri in mention_ids(s)))[-1].cursor

    text = f"@{brand.handle} sent from a phone whose clock is two minutes slow"
    behind = (datetime.now(timezone.utc) - timedelta(minutes=2)).isoformat()
    late = await client.app.bsky.feed.post.create(maria.did, models.AppBskyFeedPost.Record(
        text=text, created_at=behind, facets=await client.detect_facets(text)))
    restarted = new_source(brand, session_string=source.session_string)
    async with aclosing(restarted.items(saved)) as items:
        seen = await collect_until(items, lambda s: late.uri in mention_ids(s))

    assert mention_ids(seen) == [late.uri]
    # The AppView sorts it before the post already handled: a cursor of "the newest time" alone would skip it.
    shop = await as_user(brand)
    listed = {n.uri: n.indexed_at for n in (await shop.app.bsky.notification.list_notifications()).notifications}
    assert datetime.fromisoformat(listed[late.uri]) < datetime.fromisoformat(listed[on_time.uri])
